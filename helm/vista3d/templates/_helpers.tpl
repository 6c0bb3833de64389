{{/* Chart name. */}}
{{- define "vista3d.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: the release name when it already contains the chart name (release "vista3d" -> "vista3d"). */}}
{{- define "vista3d.fullname" -}}
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

{{/* name-version for the helm.sh/chart label. */}}
{{- define "vista3d.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Standard labels of every object. */}}
{{- define "vista3d.labels" -}}
helm.sh/chart: {{ include "vista3d.chart" . }}
{{ include "vista3d.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: vista3d
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels (release-wide). */}}
{{- define "vista3d.selectorLabels" -}}
app.kubernetes.io/name: {{ include "vista3d.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of one component's objects: (dict "ctx" $ "component" "backend"). */}}
{{- define "vista3d.componentLabels" -}}
{{ include "vista3d.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Selector labels of one component: (dict "ctx" $ "component" "backend"). */}}
{{- define "vista3d.componentSelectorLabels" -}}
{{ include "vista3d.selectorLabels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Name of a component's objects: (dict "ctx" $ "component" "backend") -> vista3d-backend. */}}
{{- define "vista3d.componentName" -}}
{{- printf "%s-%s" (include "vista3d.fullname" .ctx) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Image reference: (dict "image" .Values.backend.image "ctx" $).
global.imageRegistry replaces the registry host of the repository (or is prefixed when it has none);
a digest wins over the tag; an empty tag means the chart's appVersion.
*/}}
{{- define "vista3d.image" -}}
{{- $repo := .image.repository }}
{{- $registry := .ctx.Values.global.imageRegistry }}
{{- if $registry }}
{{- $parts := splitList "/" $repo }}
{{- $first := first $parts }}
{{- if and (gt (len $parts) 1) (or (contains "." $first) (contains ":" $first) (eq $first "localhost")) }}
{{- $repo = join "/" (rest $parts) }}
{{- end }}
{{- $repo = printf "%s/%s" (trimSuffix "/" $registry) $repo }}
{{- end }}
{{- if .image.digest }}
{{- printf "%s@%s" $repo .image.digest }}
{{- else }}
{{- printf "%s:%s" $repo (toString (default .ctx.Chart.AppVersion .image.tag)) }}
{{- end }}
{{- end }}

{{/* imagePullSecrets of a pod: global ones plus the component's: (dict "secrets" .Values.backend.imagePullSecrets "ctx" $). */}}
{{- define "vista3d.imagePullSecrets" -}}
{{- $all := concat (.ctx.Values.global.imagePullSecrets | default list) (.secrets | default list) }}
{{- if $all }}
imagePullSecrets:
{{- range $all }}
{{- if kindIs "string" . }}
  - name: {{ . }}
{{- else }}
  - name: {{ .name }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* ServiceAccount name. */}}
{{- define "vista3d.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "vista3d.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Name of the Secret holding ngc-api-key / api-key. */}}
{{- define "vista3d.secretName" -}}
{{- if .Values.secrets.existingSecret }}
{{- .Values.secrets.existingSecret }}
{{- else }}
{{- printf "%s-secrets" (include "vista3d.fullname" .) }}
{{- end }}
{{- end }}

{{/* True ("true") when pods should reference the Secret. */}}
{{- define "vista3d.hasSecret" -}}
{{- if or .Values.secrets.create .Values.secrets.existingSecret }}true{{ end }}
{{- end }}

{{/* Container security context of a component: top-level securityContext merged with the component's. */}}
{{- define "vista3d.securityContext" -}}
{{- $base := deepCopy (.ctx.Values.securityContext | default dict) }}
{{- toYaml (mergeOverwrite $base (deepCopy (.override | default dict))) }}
{{- end }}

{{/* Storage class line of a PVC: (dict "storageClass" "..." "ctx" $). */}}
{{- define "vista3d.storageClass" -}}
{{- $sc := .storageClass | default .ctx.Values.global.storageClass }}
{{- if $sc }}
{{- if eq "-" $sc }}
storageClassName: ""
{{- else }}
storageClassName: {{ $sc | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/* Claim name of a persistence volume: (dict "p" .Values.persistence.output "name" "output" "ctx" $). */}}
{{- define "vista3d.claimName" -}}
{{- if .p.existingClaim }}
{{- .p.existingClaim }}
{{- else }}
{{- printf "%s-%s" (include "vista3d.fullname" .ctx) .name }}
{{- end }}
{{- end }}

{{/* Pod volume for a persistence entry; readOnly marks the claim read-only. */}}
{{- define "vista3d.dataVolume" -}}
- name: {{ .name }}
{{- if .p.enabled }}
  persistentVolumeClaim:
    claimName: {{ include "vista3d.claimName" . }}
    {{- if .readOnly }}
    readOnly: true
    {{- end }}
{{- else }}
  emptyDir: {}
{{- end }}
{{- end }}

{{/* Pod anti-affinity preset for a component: (dict "preset" "soft" "component" "frontend" "ctx" $). */}}
{{- define "vista3d.antiAffinity" -}}
{{- if eq .preset "hard" }}
podAntiAffinity:
  requiredDuringSchedulingIgnoredDuringExecution:
    - topologyKey: kubernetes.io/hostname
      labelSelector:
        matchLabels:
          {{- include "vista3d.componentSelectorLabels" (dict "ctx" .ctx "component" .component) | nindent 10 }}
{{- else if eq .preset "soft" }}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "vista3d.componentSelectorLabels" (dict "ctx" .ctx "component" .component) | nindent 12 }}
{{- end }}
{{- end }}

{{/* In-cluster URLs of the services. */}}
{{- define "vista3d.backendUrl" -}}
{{- if .Values.frontend.config.vista3dServer }}
{{- .Values.frontend.config.vista3dServer }}
{{- else if .Values.backend.enabled }}
{{- printf "http://%s:%d" (include "vista3d.componentName" (dict "ctx" . "component" "backend")) (int .Values.backend.service.port) }}
{{- else }}
{{- fail "frontend.config.vista3dServer is required when backend.enabled is false (URL of an external VISTA3D NIM)" }}
{{- end }}
{{- end }}

{{- define "vista3d.imageServerUrl" -}}
{{- if .Values.frontend.config.imageServer }}
{{- .Values.frontend.config.imageServer }}
{{- else }}
{{- printf "http://%s:%d" (include "vista3d.componentName" (dict "ctx" . "component" "image-server")) (int .Values.imageServer.service.port) }}
{{- end }}
{{- end }}

{{/* True ("true") when the bundled PostgreSQL StatefulSet is deployed (no external database given). */}}
{{- define "vista3d.bundledPostgres" -}}
{{- if and .Values.postgresql.enabled (not .Values.database.url) (not .Values.database.existingSecret) }}true{{ end }}
{{- end }}

{{- define "vista3d.postgresSecretName" -}}
{{- .Values.postgresql.existingSecret | default (printf "%s-postgresql" (include "vista3d.fullname" .)) }}
{{- end }}

{{/* DATABASE_URL env entries of the frontend, the workers and the migration Job. */}}
{{- define "vista3d.databaseEnv" -}}
{{- if .Values.database.existingSecret }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.existingSecret }}
      key: {{ .Values.database.existingSecretKey }}
{{- else if .Values.database.url }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ printf "%s-database" (include "vista3d.fullname" .) }}
      key: database-url
{{- else if include "vista3d.bundledPostgres" . }}
- name: POSTGRES_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "vista3d.postgresSecretName" . }}
      key: password
- name: DATABASE_URL
  value: {{ printf "postgresql://%s:$(POSTGRES_PASSWORD)@%s:%d/%s" .Values.postgresql.username (include "vista3d.componentName" (dict "ctx" . "component" "postgresql")) (int .Values.postgresql.service.port) .Values.postgresql.database | quote }}
{{- else }}
{{- fail "a database is required: set database.url or database.existingSecret, or enable postgresql (bundled)" }}
{{- end }}
{{- end }}

{{/*
Authentication env of the frontend (AUTH_MODE, sessions, OIDC). `off` is refused: a cluster is never
loopback-only. OIDC needs its issuer, client id and redirect URL.
*/}}
{{- define "vista3d.frontendAuthEnv" -}}
{{- $a := .Values.frontend.auth -}}
{{- if eq $a.mode "off" }}{{ fail "frontend.auth.mode=off is refused: without authentication the frontend may only listen on loopback (use local or oidc)" }}{{ end -}}
- name: AUTH_MODE
  value: {{ $a.mode | quote }}
- name: ADMIN_USERNAME
  value: {{ $a.adminUsername | quote }}
- name: SESSION_IDLE_MINUTES
  value: {{ $a.sessionIdleMinutes | quote }}
- name: SESSION_MAX_HOURS
  value: {{ $a.sessionMaxHours | quote }}
- name: COOKIE_SECURE
  value: {{ $a.cookieSecure | quote }}
{{- with $a.trustProxy }}
- name: TRUST_PROXY
  value: {{ . | quote }}
{{- end }}
{{- if eq $a.mode "oidc" }}
{{- $o := $a.oidc }}
{{- if not (and $o.issuer $o.clientId $o.redirectUrl) }}{{ fail "frontend.auth.mode=oidc needs frontend.auth.oidc.issuer, clientId and redirectUrl" }}{{ end }}
- name: OIDC_ISSUER
  value: {{ $o.issuer | quote }}
- name: OIDC_CLIENT_ID
  value: {{ $o.clientId | quote }}
- name: OIDC_REDIRECT_URL
  value: {{ $o.redirectUrl | quote }}
- name: OIDC_SCOPES
  value: {{ $o.scopes | quote }}
- name: OIDC_ROLES_CLAIM
  value: {{ $o.rolesClaim | quote }}
{{- with $o.roleMap }}
- name: OIDC_ROLE_MAP
  value: {{ . | quote }}
{{- end }}
{{- with $o.postLogoutRedirectUrl }}
- name: OIDC_POST_LOGOUT_REDIRECT_URL
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
One egress rule to peers outside the release: `rule.to` when given, otherwise public addresses only
(`publicInternet`: everything but private, loopback and link-local ranges), on `rule.ports`.
*/}}
{{- define "vista3d.externalEgress" -}}
- to:
    {{- if .rule.to }}
    {{- toYaml .rule.to | nindent 4 }}
    {{- else }}
    - ipBlock:
        {{- toYaml .public | nindent 8 }}
    {{- end }}
  ports:
    {{- toYaml .rule.ports | nindent 4 }}
{{- end }}
