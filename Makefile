# The development loop of the reference, on this project's own engine (scripts/engine.sh).
VERSION := v0.1.0
REGISTRY ?= ghcr.io/kaito-project
TAG ?= test
OUTPUT_TYPE ?= type=docker
TEST_IMAGE_NAME ?= testmodel
TEST_FILE ?= test/aikitfile-llama.yaml
RUNTIME ?=
PLATFORMS ?= linux/amd64,linux/arm64
ENGINE ?= modern
NEWVERSION ?=

# Every docker call goes to the project's engine, never to whatever the machine has.
ENGINE_ENV = eval "$$(ENGINE=$(ENGINE) scripts/engine.sh env)"

.PHONY: all
all: lint test

.PHONY: deps
deps:
	npm ci

.PHONY: test
test:
	npm test

.PHONY: test-unit
test-unit:
	npm run test:unit

.PHONY: test-e2e
test-e2e:
	npm run test:e2e

.PHONY: lint
lint:
	npm run lint

.PHONY: format
format:
	npm run format

.PHONY: build
build:
	npm run build

.PHONY: engine-up
engine-up:
	ENGINE=$(ENGINE) scripts/engine.sh up

.PHONY: engine-down
engine-down:
	ENGINE=$(ENGINE) scripts/engine.sh down

# The frontend image for machines that reach a registry (multi-arch with PLATFORMS).
.PHONY: build-aikit
build-aikit:
	docker buildx build . -t $(REGISTRY)/aikit/aikit:$(TAG) --output=$(OUTPUT_TYPE) --progress=plain

# The same image with no registry: the local Node.js plus the bundled frontend, as aikit:test.
.PHONY: frontend-image
frontend-image: engine-up
	$(ENGINE_ENV) && scripts/frontend-image.sh aikit:test

.PHONY: demo
demo:
	npx tsx scripts/demo.ts

.PHONY: build-test-model
build-test-model:
	$(ENGINE_ENV) && docker buildx build . -t $(REGISTRY)/aikit/$(TEST_IMAGE_NAME):$(TAG) -f $(TEST_FILE) \
		--progress=plain --provenance=false --output=$(OUTPUT_TYPE) \
		--build-arg runtime=$(RUNTIME) --platform $(PLATFORMS)

.PHONY: run-test-model
run-test-model:
	$(ENGINE_ENV) && docker run --rm -p 8080:8080 $(REGISTRY)/aikit/$(TEST_IMAGE_NAME):$(TAG)

.PHONY: run-test-model-gpu
run-test-model-gpu:
	$(ENGINE_ENV) && docker run --rm -p 8080:8080 --gpus all $(REGISTRY)/aikit/$(TEST_IMAGE_NAME):$(TAG)

.PHONY: run-test-model-applesilicon
run-test-model-applesilicon:
	podman run --rm -p 8080:8080 --device /dev/dri $(REGISTRY)/aikit/$(TEST_IMAGE_NAME):$(TAG)

# Bumps the version everywhere it lives: make release-manifest NEWVERSION=vX.Y.Z
.PHONY: release-manifest
release-manifest:
	@test -n "$(NEWVERSION)" || { echo "usage: make release-manifest NEWVERSION=vX.Y.Z" >&2; exit 2; }
	@echo "$(NEWVERSION)" | grep -Eq '^v[0-9]+\.[0-9]+\.[0-9]+$$' || { echo "NEWVERSION must look like v1.2.3" >&2; exit 2; }
	sed -i "s/^VERSION := .*/VERSION := $(NEWVERSION)/" Makefile
	npm version --no-git-tag-version --allow-same-version "$(patsubst v%,%,$(NEWVERSION))" >/dev/null
	@if [ -f charts/aikit/Chart.yaml ]; then \
		sed -i -e "s/^version: .*/version: $(patsubst v%,%,$(NEWVERSION))/" \
			-e "s/^appVersion: .*/appVersion: $(NEWVERSION)/" charts/aikit/Chart.yaml; fi
	@echo "bumped to $(NEWVERSION)"
