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
BASE_TAG ?= latest
MODEL ?=
SYNTAX ?=
VALUES ?=

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
.PHONY: base-images build-base build-base-cuda build-base-applesilicon
# The runtime base images (Dockerfile.base*); they need a registry. PUSH=1 publishes them.
base-images:
	REGISTRY=$(REGISTRY) TAG=$(BASE_TAG) scripts/base-images.sh build all
build-base:
	REGISTRY=$(REGISTRY) TAG=$(BASE_TAG) scripts/base-images.sh build cpu
build-base-cuda:
	REGISTRY=$(REGISTRY) TAG=$(BASE_TAG) scripts/base-images.sh build cuda
build-base-applesilicon:
	REGISTRY=$(REGISTRY) TAG=$(BASE_TAG) scripts/base-images.sh build applesilicon

.PHONY: frontend-image
frontend-image: engine-up
	$(ENGINE_ENV) && scripts/frontend-image.sh aikit:test

.PHONY: demo
demo:
	npx tsx scripts/demo.ts

# Fine-tune the tiny test model on CPU (target llama-cpp), then build, run and ask a llama-server image of it.
.PHONY: finetune-demo
finetune-demo:
	npx tsx scripts/finetune-demo.ts

# The published name of models/$(MODEL).yaml (models/images.json), first tag.
MODEL_IMAGE = $(shell node -p "const m = require('./models/images.json'); const e = m.models['$(MODEL)']; e ? m.registry + (m.runtimePaths['$(RUNTIME)'] ?? '') + '/' + e.image + ':' + e.tags[0] : 'invalid'")

# A pre-made model image: make build-model MODEL=llama-3.2-1b-instruct [RUNTIME=applesilicon PLATFORMS=linux/arm64] [SYNTAX=aikit:test]
.PHONY: build-model
build-model:
	@test -f "models/$(MODEL).yaml" && [ "$(MODEL)" != aikitfile ] || { echo "usage: make build-model MODEL=<name> [RUNTIME=applesilicon] [PLATFORMS=linux/amd64] [SYNTAX=aikit:test]; names: $$(ls models | sed -n 's/\.yaml$$//p' | grep -vx aikitfile | tr '\n' ' ')" >&2; exit 2; }
	$(ENGINE_ENV) && docker buildx build . -f models/$(MODEL).yaml -t $(MODEL_IMAGE) \
		--progress=plain --provenance=false --output=$(OUTPUT_TYPE) \
		--build-arg runtime=$(RUNTIME) --platform $(PLATFORMS) $(if $(SYNTAX),--build-arg BUILDKIT_SYNTAX=$(SYNTAX))

# Renders charts/aikit without Helm: make chart-render [VALUES=charts/aikit/values-gpu.yaml]
.PHONY: chart-render
chart-render:
	scripts/chart/render.sh $(VALUES)

.PHONY: docs
docs:
	bash scripts/check-docs.sh $(if $(OUT),--out $(OUT))

.PHONY: lint-workflows
lint-workflows:
	bash scripts/lint-workflows.sh

# Starts an image, waits for readiness, asks each model one question: make smoke IMAGE=my-model
.PHONY: smoke
smoke:
	@test -n "$(IMAGE)" || { echo "usage: make smoke IMAGE=<image>" >&2; exit 2; }
	$(ENGINE_ENV) && npx tsx src/cli/main.ts smoke $(IMAGE)

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
