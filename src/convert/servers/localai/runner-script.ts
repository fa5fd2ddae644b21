import type { Backend } from '../../../aikitfile/index.js';

// The entrypoint of a LocalAI runner image, /usr/local/bin/aikit-runner: it takes the model as
// `docker run <image> <model>` or `--model <model>`, fetches it into /models (a volume keeps it
// across starts) and then becomes LocalAI. It behaves as the reference's runner does
// (pkg/aikit2llb/inference/runner.go): the same arguments, the same marker and generated
// configs, so an image built by either serves a volume the other filled.

/** Where the entrypoint is in the image. */
export const RUNNER_ENTRYPOINT = '/usr/local/bin/aikit-runner';

/** What the script needs to know about the image. */
export interface RunnerScriptOptions {
  backend: Backend;
  debug: boolean;
}

// Arguments: the first bare word (or --model) is the model; every other flag goes to LocalAI,
// with the word after it when there is one (the reference's rule, which a flag without a
// value followed by a word also meets).
const PARSE_ARGS = `MODEL=""
EXTRA_ARGS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --model)
      [[ $# -ge 2 ]] || { echo "Error: --model requires a value"; exit 1; }
      MODEL="$2"
      shift 2
      ;;
    --model=*)
      MODEL="\${1#*=}"
      shift
      ;;
    --*=*)
      EXTRA_ARGS+=("$1")
      shift
      ;;
    --*)
      if [[ $# -ge 2 ]]; then
        EXTRA_ARGS+=("$1" "$2")
        shift 2
      else
        EXTRA_ARGS+=("$1")
        shift
      fi
      ;;
    *)
      if [[ -z "$MODEL" ]]; then
        MODEL="$1"
      else
        EXTRA_ARGS+=("$1")
      fi
      shift
      ;;
  esac
done

if [[ -z "$MODEL" ]]; then
  echo "Usage: docker run <image> <model-ref>"
  echo ""
  echo "Examples:"
  echo "  docker run -p 8080:8080 <image> unsloth/gemma-3-1b-it-GGUF"
  echo "  docker run -p 8080:8080 <image> https://example.com/model.gguf"
  echo "  docker run -p 8080:8080 <image> --model unsloth/gemma-3-1b-it-GGUF"
  echo ""
  echo "Environment variables:"
  echo "  HF_TOKEN    - HuggingFace token for gated models"
  exit 1
fi
`;

// llama-cpp: one GGUF URL, or every GGUF file of a Hub repository (hf download), into /models.
// A marker names what /models holds, so another model replaces it instead of joining it.
const FETCH_GGUF = `MODEL_MARKER="/models/.aikit-model-ref"
if [[ -f "$MODEL_MARKER" ]] && [[ "$(cat "$MODEL_MARKER")" == "$MODEL" ]]; then
  echo "Found cached model matching $MODEL in /models, skipping download"
else
  if [[ -f "$MODEL_MARKER" ]]; then
    echo "Cached model ($(cat "$MODEL_MARKER")) does not match requested model ($MODEL), re-downloading"
    rm -f /models/*.gguf "$MODEL_MARKER"
  fi
  if [[ "$MODEL" == http://* ]] || [[ "$MODEL" == https://* ]]; then
    echo "Downloading model from URL: $MODEL"
    FILENAME=$(basename "$MODEL")
    curl -fL --progress-bar -o "/models/$FILENAME" "$MODEL"
  else
    echo "Downloading GGUF files from HuggingFace: $MODEL"
    HF_ARGS=("$MODEL" "--local-dir" "/models" "--include" "*.gguf")
    if [[ -n "\${HF_TOKEN:-}" ]]; then
      HF_ARGS+=("--token" "$HF_TOKEN")
    fi
    hf download "\${HF_ARGS[@]}"
  fi
  echo "$MODEL" > "$MODEL_MARKER"
  echo "Download complete"
fi

# LocalAI finds a model by its config; without one it looks for a file named like the model.
GGUF_FILE=$(find /models -name "*.gguf" -type f | head -1)
if [[ -n "$GGUF_FILE" ]]; then
  GGUF_BASENAME=$(basename "$GGUF_FILE")
  MODEL_NAME="\${GGUF_BASENAME%.gguf}"
  if [[ ! -f "/models/\${MODEL_NAME}.yaml" ]]; then
    echo "Generating config for model: $MODEL_NAME -> $GGUF_BASENAME"
    cat > "/models/\${MODEL_NAME}.yaml" <<CFGEOF
name: \${MODEL_NAME}
backend: llama-cpp
parameters:
  model: \${GGUF_BASENAME}
CFGEOF
  fi
fi
`;

// The other backends (diffusers, vllm; mamba and exllama2 too, which the reference's runners
// lack) fetch from the Hub themselves, into HF_HOME on the volume: the runner only writes the
// LocalAI config that names the repository, under the repository's name.
const hubConfig = (backend: Backend) => `MODEL_NAME_SOURCE="\${MODEL%%\\#*}"
MODEL_NAME_SOURCE="\${MODEL_NAME_SOURCE%%\\?*}"
while [[ "$MODEL_NAME_SOURCE" == */ ]]; do
  MODEL_NAME_SOURCE="\${MODEL_NAME_SOURCE%/}"
done
MODEL_NAME="\${MODEL_NAME_SOURCE##*/}"
if [[ -z "$MODEL_NAME" ]]; then
  echo "Error: cannot derive a model name from '$MODEL'" >&2
  exit 1
fi
if [[ -f "/models/aikit-model.yaml" ]] &&
  grep -qxF "name: \${MODEL_NAME}" /models/aikit-model.yaml 2>/dev/null &&
  grep -qxF "backend: ${backend}" /models/aikit-model.yaml 2>/dev/null &&
  grep -qxF "  model: \${MODEL}" /models/aikit-model.yaml 2>/dev/null; then
  echo "Found existing ${backend} model config matching $MODEL in /models, skipping setup"
else
  if [[ -f "/models/aikit-model.yaml" ]]; then
    echo "Cached config does not match requested backend/model (${backend}, $MODEL), regenerating"
  fi
  echo "Generating LocalAI config for ${backend} backend with model: $MODEL"
  cat > /models/aikit-model.yaml <<MODELEOF
name: \${MODEL_NAME}
backend: ${backend}
parameters:
  model: \${MODEL}
MODELEOF
  echo "Config generated at /models/aikit-model.yaml"
fi
`;

/** The runner's bash script for one image. */
export function runnerScript(opts: RunnerScriptOptions): string {
  const fetch = opts.backend === 'llama-cpp' ? FETCH_GGUF : hubConfig(opts.backend);
  // --log-level=debug, not the reference's --debug, which every pinned LocalAI marks deprecated.
  const debug = opts.debug ? 'LOCAL_AI_ARGS+=("--log-level=debug")\n' : '';
  return `#!/bin/bash
set -euo pipefail

BACKEND="${opts.backend}"

${PARSE_ARGS}
echo "AIKit Runner: backend=$BACKEND model=$MODEL"

# kubeairunway passes Hub ids as huggingface://org/repo.
MODEL="\${MODEL#huggingface://}"

${fetch}
LOCAL_AI_ARGS=("--models-path" "/models")
${debug}if ((\${#EXTRA_ARGS[@]})); then
  LOCAL_AI_ARGS+=("\${EXTRA_ARGS[@]}")
fi

echo "Starting local-ai with args: \${LOCAL_AI_ARGS[*]}"
exec /usr/bin/local-ai "\${LOCAL_AI_ARGS[@]}"
`;
}
