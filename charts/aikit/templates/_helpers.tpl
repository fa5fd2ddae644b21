{{/*
The chart's name, truncated to 63 characters (the DNS label limit).
*/}}
{{- define "aikit.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The fully qualified app name: the release name if it already contains the chart name, else
<release>-<chart>; at most 63 characters.
*/}}
{{- define "aikit.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "aikit.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels of every object.
*/}}
{{- define "aikit.labels" -}}
helm.sh/chart: {{ include "aikit.chart" . }}
{{ include "aikit.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels.
*/}}
{{- define "aikit.selectorLabels" -}}
app.kubernetes.io/name: {{ include "aikit.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
The service account the server pod runs as.
*/}}
{{- define "aikit.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "aikit.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Name of the namespace-labelling hook's objects. The ClusterRole and its binding are cluster-wide,
so the name carries the namespace: two releases in two namespaces never share them.
*/}}
{{- define "aikit.labelHookName" -}}
{{- printf "%s-%s-label-ns" (include "aikit.fullname" .) .Release.Namespace | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The server, checked: localai or llama-server.
*/}}
{{- define "aikit.server" -}}
{{- $server := required "server is required (localai or llama-server)" .Values.server }}
{{- if not (has $server (list "localai" "llama-server")) }}
{{- fail (printf "server must be localai or llama-server, got %q" $server) }}
{{- end }}
{{- $server }}
{{- end }}

{{/*
A probe: the values' probe with `enabled` dropped and, unless it brings its own handler, an
httpGet on the server's endpoint. Call with (dict "probe" <values> "path" <path>).
*/}}
{{- define "aikit.probe" -}}
{{- $probe := omit (default (dict) .probe) "enabled" }}
{{- if not (or (hasKey $probe "httpGet") (hasKey $probe "tcpSocket") (hasKey $probe "exec") (hasKey $probe "grpc")) }}
{{- $_ := set $probe "httpGet" (dict "path" .path "port" "http") }}
{{- end }}
{{- toYaml $probe }}
{{- end }}

{{/*
The writable scratch directories of the server, as a list of {name, path}.
LocalAI v4 (decisions.md#localai-runtime): /tmp/localai-<uid>/{generated,upload} and /data are created at
start (fatal when they cannot be), /configuration is watched and written.
*/}}
{{- define "aikit.scratchPaths" -}}
{{- if eq (include "aikit.server" .) "localai" }}
- {name: tmp, path: /tmp}
- {name: data, path: /data}
- {name: configuration, path: /configuration}
{{- else }}
- {name: tmp, path: /tmp}
{{- end }}
{{- end }}

{{/*
The claim mounted at persistence.mountPath, or "" for an emptyDir.
*/}}
{{- define "aikit.cacheClaim" -}}
{{- if .Values.persistence.enabled }}
{{- default (printf "%s-cache" (include "aikit.fullname" .)) .Values.persistence.existingClaim }}
{{- end }}
{{- end }}

{{/*
The claim of a runner's /models, or "" when the chart runs no runner.
*/}}
{{- define "aikit.runnerClaim" -}}
{{- if .Values.runner.enabled }}
{{- default (printf "%s-models" (include "aikit.fullname" .)) .Values.runner.cache.existingClaim }}
{{- end }}
{{- end }}

{{/*
A runner's arguments: the model the way its server takes it, then the values' args.
LocalAI runners take the model as their first argument (/usr/local/bin/aikit-runner);
llama-server takes a Hub repository with -hf and a URL with -mu.
*/}}
{{- define "aikit.runnerArgs" -}}
{{- $model := required "runner.model is required when runner.enabled is true" .Values.runner.model }}
{{- $args := list $model }}
{{- if eq (include "aikit.server" .) "llama-server" }}
{{- $args = list (ternary "-mu" "-hf" (or (hasPrefix "http://" $model) (hasPrefix "https://" $model))) $model }}
{{- end }}
{{- toYaml (concat $args (.Values.args | default list)) }}
{{- end }}
