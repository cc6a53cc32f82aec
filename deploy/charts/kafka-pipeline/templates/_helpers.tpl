{{/* What TypeScript owns (scripts/deploy-values.ts writes it). */}}
{{- define "kp.generated" -}}
{{- .Files.Get "generated/pipeline.json" | fromJson | toJson -}}
{{- end -}}

{{- define "kp.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "kp.labels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
app.kubernetes.io/component: {{ .service }}
{{- end -}}

{{- define "kp.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .service }}
{{- end -}}

{{- define "kp.image" -}}
{{- $i := .Values.image -}}
{{- if $i.digest -}}{{ printf "%s@%s" $i.repository $i.digest }}{{- else -}}{{ printf "%s:%s" $i.repository $i.tag }}{{- end -}}
{{- end -}}

{{/* Who scales a service: "hpa", "keda" or "" (its replicas value). */}}
{{- define "kp.scaler" -}}
{{- $v := index .root.Values .service -}}
{{- if and (hasKey $v "autoscaling") $v.autoscaling.enabled -}}
{{- if or (eq .service "consumer") (eq .service "workers") -}}keda{{- else -}}hpa{{- end -}}
{{- end -}}
{{- end -}}

{{/* The fewest replicas a service runs with. */}}
{{- define "kp.minReplicas" -}}
{{- $v := index .root.Values .service -}}
{{- $scaler := include "kp.scaler" . -}}
{{- if eq $scaler "hpa" -}}{{ $v.autoscaling.minReplicas }}{{- else if eq $scaler "keda" -}}{{ $v.autoscaling.minReplicaCount }}{{- else -}}{{ $v.replicas }}{{- end -}}
{{- end -}}

{{/* The key of generated topics (somedata, footdata, dlq) whose Kafka name is .name. */}}
{{- define "kp.topicKey" -}}
{{- $found := "" -}}
{{- range $key, $t := .gen.topics -}}{{- if eq $t.name $.name -}}{{- $found = $key -}}{{- end -}}{{- end -}}
{{- $found -}}
{{- end -}}
