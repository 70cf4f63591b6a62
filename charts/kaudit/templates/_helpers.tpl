{{/* Common labels. */}}
{{- define "kaudit.labels" -}}
app.kubernetes.io/name: kaudit
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kaudit
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Selector labels of one component: (dict "component" "controller") */}}
{{- define "kaudit.selector" -}}
app.kubernetes.io/name: kaudit
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "kaudit.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "kaudit.pullSecrets" -}}
{{- with .Values.image.pullSecrets }}
imagePullSecrets:
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The restricted container security context (controller, uninstall Job). */}}
{{- define "kaudit.restrictedContainer" -}}
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}

{{- define "kaudit.restrictedPod" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* host path "/var/log/kubernetes" -> mount path "/host/var/log/kubernetes" */}}
{{- define "kaudit.hostMount" -}}
{{- printf "/host%s" (trimSuffix "/" .) -}}
{{- end -}}
