#!/usr/bin/env node
// Packaging tests (tests/packaging/CMakeLists.txt runs one subcommand per ctest test):
//
//   copies     the copies of crds/ and manifests/rbac-*.yaml inside manifests/ and the chart are
//              identical to their sources
//   crds       crds/ validated as apiextensions.k8s.io/v1 objects
//   kustomize  `kubectl kustomize manifests/` builds; the expected objects; every object valid;
//              the controller and agent meet the security and mount requirements
//   examples   examples/: every object valid (AuditProfiles against the CRD's schema) and every
//              file accepted by `kaudit render --strict` (the webhook example with its Secret's
//              kubeconfig, through --out-dir)
//   chart      `helm template` with the default values and the value sets below: kinds and
//              counts, every object valid, agreement with the raw manifests
//   schema     values.schema.json refuses bad values, naming the field
//
// Validation uses real validators from npm packages (hack/lib/node-tools.sh): kubernetes-models
// (Kubernetes OpenAPI schemas compiled with ajv) for built-in kinds, its prometheus-operator
// package for ServiceMonitor, and ajv against the CRD's own openAPIV3Schema for AuditProfiles.
// Environment: KAUDIT_SOURCE_DIR, KAUDIT (the binary), HELM, KUBECTL, NODE_PATH.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const SRC = process.env.KAUDIT_SOURCE_DIR || path.resolve(__dirname, '../..');
const HELM = process.env.HELM || path.join(SRC, '.tools/bin/helm');
const KUBECTL = process.env.KUBECTL || path.join(SRC, '.tools/bin/kubectl');
const KAUDIT = process.env.KAUDIT || path.join(SRC, 'build/kaudit');

function need(mod) {
  try {
    return require(mod);
  } catch (e) {
    console.error(`packaging: cannot load the npm package ${mod} (hack/setup.sh installs it into ` +
                  `.tools/node): ${e.message}`);
    process.exit(1);
  }
}
const YAML = need('yaml');
const Ajv = need('ajv');

let failures = 0;
let checks = 0;
function fail(msg) {
  failures++;
  console.error('FAIL: ' + msg);
}
function check(cond, msg) {
  checks++;
  if (!cond) fail(msg);
  return !!cond;
}
function eq(a, b) {
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}
function canon(v) {
  if (Array.isArray(v)) return v.map(canon);
  if (v && typeof v === 'object') {
    const o = {};
    for (const k of Object.keys(v).sort()) o[k] = canon(v[k]);
    return o;
  }
  return v;
}
function checkEq(a, b, msg) {
  checks++;
  if (!eq(a, b)) fail(`${msg}\n  got:  ${JSON.stringify(canon(a))}\n  want: ${JSON.stringify(canon(b))}`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.error) {
    console.error(`packaging: cannot run ${cmd}: ${r.error.message}`);
    process.exit(1);
  }
  return r;
}

// Every document of a YAML stream, parsed strictly (YAML errors and duplicate keys fail).
function parseAll(text, where) {
  const out = [];
  const docs = YAML.parseAllDocuments(text, { uniqueKeys: true });
  docs.forEach((d, i) => {
    if (d.errors && d.errors.length) {
      fail(`${where}: document ${i + 1} does not parse: ${d.errors.map((e) => e.message).join('; ')}`);
      return;
    }
    const obj = d.toJS({ maxAliasCount: 100 });
    if (obj === null || obj === undefined) return;  // an empty document
    if (typeof obj !== 'object' || Array.isArray(obj)) {
      fail(`${where}: document ${i + 1} is not a mapping`);
      return;
    }
    out.push(obj);
  });
  return out;
}

// What Kubernetes 1.30 serves, for the kinds kaudit ships (plus the Prometheus Operator's
// ServiceMonitor and kaudit's own AuditProfile).
const SERVED = {
  'v1': ['Namespace', 'ServiceAccount', 'Service', 'ConfigMap', 'Secret'],
  'apps/v1': ['Deployment', 'DaemonSet'],
  'batch/v1': ['Job'],
  'policy/v1': ['PodDisruptionBudget'],
  'networking.k8s.io/v1': ['NetworkPolicy'],
  'rbac.authorization.k8s.io/v1': ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'],
  'apiextensions.k8s.io/v1': ['CustomResourceDefinition'],
  'monitoring.coreos.com/v1': ['ServiceMonitor'],
  'kaudit.io/v1alpha1': ['AuditProfile'],
};
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding',
                                'CustomResourceDefinition', 'AuditProfile']);
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

let profileValidator = null;
function auditProfileValidator() {
  if (profileValidator) return profileValidator;
  const crd = parseAll(fs.readFileSync(path.join(SRC, 'crds/kaudit.io_auditprofiles.yaml'), 'utf8'),
                       'crds/kaudit.io_auditprofiles.yaml')[0];
  const version = crd.spec.versions.find((v) => v.storage);
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, logger: false });
  profileValidator = ajv.compile(openApiToDraft7(version.schema.openAPIV3Schema));
  return profileValidator;
}

// @kubernetes-models/prometheus-operator is an ES module (no require(), and ES modules ignore
// NODE_PATH): loaded once by path before the command runs.
let monitoringV1 = null;
async function loadEsmModels() {
  const dirs = (process.env.NODE_PATH || path.join(SRC, '.tools/node/node_modules')).split(path.delimiter);
  for (const d of dirs) {
    const f = path.join(d, '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/index.js');
    if (fs.existsSync(f)) {
      monitoringV1 = await import(require('url').pathToFileURL(f).href);
      return;
    }
  }
  console.error('packaging: the npm package @kubernetes-models/prometheus-operator is missing ' +
                '(hack/setup.sh installs it into .tools/node)');
  process.exit(1);
}

function modelFor(apiVersion, kind) {
  const mod = apiVersion === 'monitoring.coreos.com/v1' ? monitoringV1 : need('kubernetes-models/' + apiVersion);
  return mod[kind];
}

// The CRD's OpenAPI v3.0 schema in JSON Schema draft-07 terms for ajv: OpenAPI 3.0 writes an
// exclusive bound as `minimum: N, exclusiveMinimum: true`, draft-07 as `exclusiveMinimum: N`.
// Everything else it uses means the same in both; x-kubernetes-* extensions (CEL rules
// included: tests/crd checks those) are left for ajv to ignore.
function openApiToDraft7(s) {
  if (Array.isArray(s)) return s.map(openApiToDraft7);
  if (!s || typeof s !== 'object') return s;
  const o = {};
  for (const [k, v] of Object.entries(s)) o[k] = k === 'enum' || k === 'default' || k === 'example' ? v : openApiToDraft7(v);
  for (const [ex, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']]) {
    if (o[ex] === true) {
      o[ex] = o[bound];
      delete o[bound];
    } else if (o[ex] === false) {
      delete o[ex];
    }
  }
  if (o.nullable === true && typeof o.type === 'string') o.type = [o.type, 'null'];
  delete o.nullable;
  return o;
}

// Validates one object; returns the number of problems found (each reported).
function validateObject(obj, where) {
  const before = failures;
  const { apiVersion, kind } = obj;
  const what = `${where}: ${apiVersion} ${kind} ${obj.metadata && obj.metadata.name}`;
  checks++;
  if (!SERVED[apiVersion] || !SERVED[apiVersion].includes(kind)) {
    fail(`${what}: not a kind kaudit ships, or an apiVersion Kubernetes 1.30 does not serve`);
    return failures - before;
  }
  const md = obj.metadata || {};
  check(typeof md.name === 'string' && md.name.length <= 253 && DNS1123_SUBDOMAIN.test(md.name),
        `${what}: metadata.name must be a DNS-1123 subdomain`);
  if (CLUSTER_SCOPED.has(kind)) {
    check(md.namespace === undefined, `${what}: cluster-scoped, but has metadata.namespace`);
  }
  if (kind === 'AuditProfile') {
    const v = auditProfileValidator();
    const copy = JSON.parse(JSON.stringify(obj));
    delete copy.status;
    if (!v(copy)) {
      fail(`${what}: refused by the CRD's schema: ` +
           v.errors.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; '));
    }
    return failures - before;
  }
  const Model = modelFor(apiVersion, kind);
  if (!check(Model, `${what}: no model for this kind in kubernetes-models`)) return failures - before;
  try {
    new Model(obj).validate();
  } catch (e) {
    fail(`${what}: ${e.message}`);
  }
  return failures - before;
}

function validateAll(objs, where) {
  for (const o of objs) validateObject(o, where);
}

function key(o) {
  return `${o.kind}/${(o.metadata && o.metadata.namespace) || ''}/${o.metadata.name}`;
}
function byKey(objs) {
  const m = new Map();
  for (const o of objs) {
    if (m.has(key(o))) fail(`duplicate object ${key(o)}`);
    m.set(key(o), o);
  }
  return m;
}
function countKinds(objs) {
  const c = {};
  for (const o of objs) c[o.kind] = (c[o.kind] || 0) + 1;
  return c;
}
function find(objs, kind, name) {
  return objs.find((o) => o.kind === kind && o.metadata.name === name);
}

// The flags a kaudit subcommand accepts, from its --help.
const helpCache = {};
function knownFlags(sub) {
  if (helpCache[sub]) return helpCache[sub];
  const r = run(KAUDIT, [sub, '--help']);
  // An unknown subcommand prints the top-level help (exit 0): look for the subcommand's usage.
  if (r.status !== 0 || !new RegExp(`Usage: \\S+ ${sub} `).test(r.stdout)) return (helpCache[sub] = null);
  const flags = new Set((r.stdout + r.stderr).match(/--[a-z0-9-]+/g) || []);
  return (helpCache[sub] = flags);
}
function checkArgs(where, args, sub) {
  check(Array.isArray(args) && args[0] === sub, `${where}: args start with the subcommand ${sub}`);
  const flags = knownFlags(sub);
  if (!flags) {
    console.log(`note: \`kaudit ${sub} --help\` fails with this build; ${where}'s flags not checked`);
    return;
  }
  for (const a of args.slice(1)) {
    const m = /^(--[a-z0-9-]+)(=.*)?$/.exec(a);
    if (check(m, `${where}: argument "${a}" is not --flag=value`)) {
      check(flags.has(m[1]), `${where}: \`kaudit ${sub}\` has no flag ${m[1]}`);
    }
  }
}
function argValue(args, flag) {
  const a = args.find((x) => x.startsWith(flag + '='));
  return a === undefined ? undefined : a.slice(flag.length + 1);
}

const AGENT_HOST_PATHS = ['/etc/kubernetes/manifests', '/etc/kubernetes/kaudit', '/var/lib/kaudit'];

// The controller Deployment as issue 7 wants it.
function checkController(d, where, { replicas = 2, leaderElect = true, namespace } = {}) {
  const w = `${where}: Deployment kaudit-controller`;
  if (!check(d, `${w} exists`)) return;
  check(d.spec.replicas === replicas, `${w}: replicas ${d.spec.replicas}, want ${replicas}`);
  const pod = d.spec.template.spec;
  check(pod.serviceAccountName === 'kaudit-controller', `${w}: ServiceAccount kaudit-controller`);
  check(!pod.hostNetwork && !pod.hostPID && !pod.hostIPC, `${w}: no host namespaces`);
  const psc = pod.securityContext || {};
  check(psc.runAsNonRoot === true, `${w}: runAsNonRoot`);
  check(psc.seccompProfile && psc.seccompProfile.type === 'RuntimeDefault', `${w}: seccomp RuntimeDefault`);
  check(!pod.volumes || pod.volumes.every((v) => !v.hostPath), `${w}: no hostPath volumes`);
  if (replicas > 1) {
    const aa = pod.affinity && pod.affinity.podAntiAffinity;
    check(aa && (aa.preferredDuringSchedulingIgnoredDuringExecution ||
                 aa.requiredDuringSchedulingIgnoredDuringExecution), `${w}: pod anti-affinity`);
  }
  check(pod.containers.length === 1, `${w}: one container`);
  const c = pod.containers[0];
  const sc = c.securityContext || {};
  check(sc.allowPrivilegeEscalation === false, `${w}: allowPrivilegeEscalation false`);
  check(sc.readOnlyRootFilesystem === true, `${w}: readOnlyRootFilesystem`);
  check(sc.privileged !== true, `${w}: not privileged`);
  check(sc.capabilities && eq(sc.capabilities.drop, ['ALL']) && !sc.capabilities.add,
        `${w}: capabilities drop ALL, add none`);
  check(c.resources && c.resources.requests && c.resources.limits &&
        c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory,
        `${w}: requests and limits`);
  checkArgs(w, c.args, 'controller');
  check(argValue(c.args, '--leader-elect') === String(leaderElect), `${w}: --leader-elect=${leaderElect}`);
  check(argValue(c.args, '--metrics-bind-address') === ':8080', `${w}: metrics on :8080`);
  check(argValue(c.args, '--health-probe-bind-address') === ':8081', `${w}: health on :8081`);
  if (namespace) check(argValue(c.args, '--namespace') === namespace, `${w}: --namespace=${namespace}`);
  const ports = Object.fromEntries((c.ports || []).map((p) => [p.name, p.containerPort]));
  checkEq(ports, { metrics: 8080, health: 8081 }, `${w}: container ports`);
  check(c.livenessProbe && c.livenessProbe.httpGet.path === '/healthz' &&
        c.livenessProbe.httpGet.port === 'health', `${w}: liveness probe /healthz on :8081`);
  check(c.readinessProbe && c.readinessProbe.httpGet.path === '/readyz' &&
        c.readinessProbe.httpGet.port === 'health', `${w}: readiness probe /readyz on :8081`);
}

// The agent DaemonSet as issue 7 wants it, and as the agent's code resolves host paths.
function checkAgent(ds, where, { logRoot = '/var/log/kubernetes', namespace } = {}) {
  const w = `${where}: DaemonSet kaudit-agent`;
  if (!check(ds, `${w} exists`)) return;
  const pod = ds.spec.template.spec;
  check(pod.serviceAccountName === 'kaudit-agent', `${w}: ServiceAccount kaudit-agent`);
  check(pod.priorityClassName === 'system-node-critical', `${w}: priority system-node-critical`);
  check(!pod.hostNetwork && !pod.hostPID && !pod.hostIPC, `${w}: no host namespaces`);
  const psc = pod.securityContext || {};
  check(psc.seccompProfile && psc.seccompProfile.type === 'RuntimeDefault', `${w}: seccomp RuntimeDefault`);
  check(pod.containers.length === 1, `${w}: one container`);
  const c = pod.containers[0];
  const sc = c.securityContext || {};
  check((sc.runAsUser ?? psc.runAsUser) === 0, `${w}: runs as uid 0`);
  check(sc.privileged === false, `${w}: privileged: false`);
  check(sc.allowPrivilegeEscalation === false, `${w}: allowPrivilegeEscalation false`);
  check(sc.readOnlyRootFilesystem === true, `${w}: readOnlyRootFilesystem`);
  check(sc.capabilities && eq(sc.capabilities.drop, ['ALL']) && !sc.capabilities.add,
        `${w}: capabilities drop ALL, add none`);
  // Host folders: exactly the four the agent touches, each at /host/<path> (--host-root=/host).
  const vols = Object.fromEntries((pod.volumes || []).map((v) => [v.name, v]));
  const hostPaths = (pod.volumes || []).filter((v) => v.hostPath).map((v) => v.hostPath.path).sort();
  checkEq(hostPaths, [...AGENT_HOST_PATHS, logRoot].sort(), `${w}: hostPath volumes`);
  check(!hostPaths.includes('/'), `${w}: no "/" mount`);
  for (const m of c.volumeMounts || []) {
    const v = vols[m.name];
    if (!check(v, `${w}: mount ${m.name} has a volume`)) continue;
    if (v.hostPath) {
      check(m.mountPath === '/host' + v.hostPath.path,
            `${w}: ${v.hostPath.path} mounted at ${m.mountPath}, want /host${v.hostPath.path}`);
      check(!m.readOnly, `${w}: ${v.hostPath.path} must be writable (the agent writes there)`);
    }
  }
  check((c.volumeMounts || []).length === hostPaths.length, `${w}: every host folder mounted once`);
  checkArgs(w, c.args, 'agent');
  check(argValue(c.args, '--host-root') === '/host', `${w}: --host-root=/host`);
  check(argValue(c.args, '--allowed-log-root') === logRoot, `${w}: --allowed-log-root=${logRoot}`);
  check(argValue(c.args, '--metrics-bind-address') === ':9469', `${w}: metrics on :9469`);
  check(argValue(c.args, '--health-probe-bind-address') === ':9470', `${w}: health on :9470`);
  check(argValue(c.args, '--manifest') === undefined, `${w}: the default --manifest (under the mounted folder)`);
  if (namespace) check(argValue(c.args, '--namespace') === namespace, `${w}: --namespace=${namespace}`);
  const ca = argValue(c.args, '--health-ca-file');
  check(ca === '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
        `${w}: --health-ca-file is the ServiceAccount CA (/etc/kubernetes/pki is not mounted)`);
  check(pod.automountServiceAccountToken !== false, `${w}: the ServiceAccount token (and CA) mounted`);
  const env = (c.env || []).find((e) => e.name === 'NODE_NAME');
  check(env && env.valueFrom && env.valueFrom.fieldRef && env.valueFrom.fieldRef.fieldPath === 'spec.nodeName',
        `${w}: NODE_NAME from the downward API spec.nodeName`);
  const ports = Object.fromEntries((c.ports || []).map((p) => [p.name, p.containerPort]));
  checkEq(ports, { metrics: 9469, health: 9470 }, `${w}: container ports`);
  check(c.livenessProbe && c.livenessProbe.httpGet.path === '/healthz' &&
        c.livenessProbe.httpGet.port === 'health', `${w}: liveness probe /healthz on :9470`);
  check(c.readinessProbe && c.readinessProbe.httpGet.path === '/readyz' &&
        c.readinessProbe.httpGet.port === 'health', `${w}: readiness probe /readyz on :9470`);
  check(c.resources && c.resources.requests && c.resources.limits, `${w}: requests and limits`);
}

function checkAgentPlacement(ds, where, nodeSelector, tolerations) {
  const pod = ds.spec.template.spec;
  checkEq(pod.nodeSelector, nodeSelector, `${where}: agent nodeSelector`);
  checkEq(pod.tolerations, tolerations, `${where}: agent tolerations`);
}

function kustomize() {
  const r = run(KUBECTL, ['kustomize', path.join(SRC, 'manifests')]);
  if (r.status !== 0) {
    fail(`kubectl kustomize manifests/ failed: ${r.stderr}`);
    return [];
  }
  return parseAll(r.stdout, 'kubectl kustomize manifests/');
}

function helmTemplate(args, where) {
  const r = run(HELM, ['template', 'kaudit', path.join(SRC, 'charts/kaudit'), ...args]);
  if (r.status !== 0) {
    fail(`${where}: helm template ${args.join(' ')} failed: ${r.stderr}`);
    return null;
  }
  return parseAll(r.stdout, `${where} (helm template)`);
}

// ---------------------------------------------------------------------------------------------

function cmdCopies() {
  const pairs = [
    ['crds/kaudit.io_auditprofiles.yaml', 'manifests/crds/kaudit.io_auditprofiles.yaml'],
    ['crds/kaudit.io_auditprofiles.yaml', 'charts/kaudit/files/crds/kaudit.io_auditprofiles.yaml'],
  ];
  for (const f of fs.readdirSync(path.join(SRC, 'manifests')).filter((f) => /^rbac-.*\.yaml$/.test(f))) {
    pairs.push([`manifests/${f}`, `charts/kaudit/files/rbac/${f}`]);
  }
  check(pairs.length >= 4, 'manifests/rbac-controller.yaml and rbac-agent.yaml exist');
  for (const [src, copy] of pairs) {
    const a = fs.readFileSync(path.join(SRC, src));
    let b = null;
    try {
      b = fs.readFileSync(path.join(SRC, copy));
    } catch (e) {
      fail(`${copy} is missing (copy of ${src}); run hack/sync-copies.sh`);
      continue;
    }
    check(a.equals(b), `${copy} differs from ${src}; run hack/sync-copies.sh`);
  }
  // Nothing else lives in the copy folders (a stale copy would be installed).
  const rbacCopies = fs.readdirSync(path.join(SRC, 'charts/kaudit/files/rbac')).sort();
  const rbacSources = fs.readdirSync(path.join(SRC, 'manifests')).filter((f) => /^rbac-.*\.yaml$/.test(f)).sort();
  checkEq(rbacCopies, rbacSources, 'charts/kaudit/files/rbac holds exactly the copies of manifests/rbac-*.yaml');
}

function cmdCrds() {
  const dir = path.join(SRC, 'crds');
  const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
  check(files.length > 0, 'crds/ has a CRD');
  for (const f of files) {
    const objs = parseAll(fs.readFileSync(path.join(dir, f), 'utf8'), `crds/${f}`);
    check(objs.length === 1 && objs[0].kind === 'CustomResourceDefinition', `crds/${f}: one CRD`);
    validateAll(objs, `crds/${f}`);
  }
}

function cmdKustomize() {
  const objs = kustomize();
  validateAll(objs, 'manifests/');
  checkEq(countKinds(objs), {
    Namespace: 1, CustomResourceDefinition: 1, ServiceAccount: 2, ClusterRole: 1,
    ClusterRoleBinding: 1, Role: 5, RoleBinding: 5, Deployment: 1, DaemonSet: 1, Service: 2,
    PodDisruptionBudget: 1, NetworkPolicy: 2,
  }, 'manifests/: kinds and counts');
  for (const o of objs) {
    if (!CLUSTER_SCOPED.has(o.kind) && !['kube-system', 'default'].includes(o.metadata.namespace)) {
      check(o.metadata.namespace === 'kaudit-system', `manifests/: ${key(o)} in kaudit-system`);
    }
  }
  const crd = find(objs, 'CustomResourceDefinition', 'auditprofiles.kaudit.io');
  const src = parseAll(fs.readFileSync(path.join(SRC, 'crds/kaudit.io_auditprofiles.yaml'), 'utf8'), 'crds/')[0];
  if (crd) checkEq(crd.spec, src.spec, 'manifests/: the CRD is crds/ (spec)');
  checkController(find(objs, 'Deployment', 'kaudit-controller'), 'manifests/', { namespace: 'kaudit-system' });
  const ds = find(objs, 'DaemonSet', 'kaudit-agent');
  checkAgent(ds, 'manifests/', { namespace: 'kaudit-system' });
  if (ds) {
    checkAgentPlacement(ds, 'manifests/', { 'node-role.kubernetes.io/control-plane': '' }, [
      { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node-role.kubernetes.io/master', operator: 'Exists', effect: 'NoSchedule' },
    ]);
  }
  // One image reference, with the release tag from the kustomization.
  const kust = YAML.parse(fs.readFileSync(path.join(SRC, 'manifests/kustomization.yaml'), 'utf8'));
  const img = kust.images.find((i) => i.name === 'kaudit');
  const want = `${img.newName}:${img.newTag}`;
  for (const w of objs.filter((o) => o.spec && o.spec.template)) {
    for (const c of w.spec.template.spec.containers) {
      check(c.image === want, `manifests/: ${key(w)} image ${c.image}, want ${want}`);
    }
  }
  const ns = find(objs, 'Namespace', 'kaudit-system');
  check(ns && ns.metadata.labels['pod-security.kubernetes.io/enforce'] === 'privileged',
        'manifests/: the namespace enforces Pod Security "privileged" (the agent needs hostPath)');
  // The PDB and the Services select the pods they are for.
  const ctrlLabels = find(objs, 'Deployment', 'kaudit-controller').spec.template.metadata.labels;
  const agentLabels = ds.spec.template.metadata.labels;
  const selects = (sel, labels) => Object.entries(sel).every(([k, v]) => labels[k] === v);
  check(selects(find(objs, 'PodDisruptionBudget', 'kaudit-controller').spec.selector.matchLabels, ctrlLabels),
        'manifests/: the PDB selects the controller pods');
  check(selects(find(objs, 'Service', 'kaudit-controller-metrics').spec.selector, ctrlLabels),
        'manifests/: the controller metrics Service selects the controller pods');
  check(selects(find(objs, 'Service', 'kaudit-agent-metrics').spec.selector, agentLabels),
        'manifests/: the agent metrics Service selects the agent pods');
  check(selects(find(objs, 'NetworkPolicy', 'kaudit-agent').spec.podSelector.matchLabels, agentLabels) &&
        selects(find(objs, 'NetworkPolicy', 'kaudit-controller').spec.podSelector.matchLabels, ctrlLabels),
        'manifests/: the NetworkPolicies select their pods');
}

function cmdExamples() {
  const dir = path.join(SRC, 'examples');
  const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  const presets = new Set();
  let webhook = false;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kaudit-examples-'));
  try {
    for (const f of files) {
      const where = `examples/${f}`;
      const objs = parseAll(fs.readFileSync(path.join(dir, f), 'utf8'), where);
      validateAll(objs, where);
      const profiles = objs.filter((o) => o.kind === 'AuditProfile');
      check(profiles.length > 0, `${where}: holds an AuditProfile`);
      for (const p of profiles) if (p.spec.preset) presets.add(p.spec.preset);
      const args = ['render', '--strict', '-f', path.join(dir, f)];
      const hooked = profiles.find((p) => p.spec.backends && p.spec.backends.webhook);
      if (hooked) {
        webhook = true;
        const ref = hooked.spec.backends.webhook.kubeconfigSecretRef;
        const secret = objs.find((o) => o.kind === 'Secret' && o.metadata.name === ref.name);
        if (check(secret, `${where}: the Secret ${ref.name} the webhook backend names is in the file`)) {
          const kc = (secret.stringData || {})[ref.key];
          check(kc, `${where}: Secret ${ref.name} has stringData.${ref.key}`);
          const kcFile = path.join(tmp, f + '.kubeconfig');
          fs.writeFileSync(kcFile, kc || '');
          const out = path.join(tmp, f + '.out');
          args.push('--out-dir', out, '--webhook-kubeconfig', kcFile);
        }
      }
      const r = run(KAUDIT, args);
      check(r.status === 0, `${where}: kaudit ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
      if (hooked && r.status === 0) {
        const flags = JSON.parse(fs.readFileSync(path.join(tmp, f + '.out', 'flags.json'), 'utf8'));
        check(JSON.stringify(flags).includes('audit-webhook-config-file'),
              `${where}: the rendered flags include --audit-webhook-config-file`);
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  // One example per preset (the preset names as operator/policy/presets.cc knows them: the CRD enum).
  const crd = parseAll(fs.readFileSync(path.join(SRC, 'crds/kaudit.io_auditprofiles.yaml'), 'utf8'), 'crds/')[0];
  const schema = crd.spec.versions.find((v) => v.storage).schema.openAPIV3Schema;
  const all = schema.properties.spec.properties.preset.enum;
  check(Array.isArray(all) && all.length >= 5, 'the CRD lists the presets');
  for (const p of all || []) check(presets.has(p), `examples/: no AuditProfile with preset ${p}`);
  check(webhook, 'examples/: a webhook backend example');
}

const DEFAULT_TOLERATIONS = [
  { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node-role.kubernetes.io/master', operator: 'Exists', effect: 'NoSchedule' },
];
const RBAC_KINDS = new Set(['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']);

// Where the chart and the raw manifests must say the same thing (chart rendered into
// kaudit-system, default values).
function compareWithManifests(chart, manifests) {
  const m = byKey(manifests);
  const c = byKey(chart.filter((o) => !(o.metadata.annotations || {})['helm.sh/hook']));
  const mKeys = [...m.keys()].filter((k) => !k.startsWith('Namespace/')).sort();
  checkEq([...c.keys()].sort(), mKeys, 'chart (default values) and manifests/ hold the same objects');
  for (const [k, mo] of m) {
    const co = c.get(k);
    if (!co) continue;
    if (RBAC_KINDS.has(mo.kind)) {
      checkEq({ rules: co.rules, roleRef: co.roleRef, subjects: co.subjects },
              { rules: mo.rules, roleRef: mo.roleRef, subjects: mo.subjects }, `${k}: chart RBAC == manifests/`);
    } else if (mo.kind === 'Deployment' || mo.kind === 'DaemonSet') {
      const strip = (o) => {
        const s = JSON.parse(JSON.stringify(o.spec));
        delete s.template.metadata;
        for (const ctr of s.template.spec.containers) delete ctr.image;
        return s;
      };
      checkEq(strip(co), strip(mo), `${k}: chart spec == manifests/ (args, security, mounts, probes...)`);
    } else if (mo.kind === 'CustomResourceDefinition') {
      checkEq(co.spec, mo.spec, `${k}: chart CRD == crds/`);
      check((co.metadata.annotations || {})['helm.sh/resource-policy'] === 'keep',
            `${k}: the chart keeps the CRD on uninstall by default`);
    } else {
      checkEq(co.spec, mo.spec, `${k}: chart spec == manifests/`);
    }
  }
}

function cmdChart() {
  const manifests = kustomize();
  const base = {
    ClusterRole: 1, ClusterRoleBinding: 1, Role: 5, RoleBinding: 5, ServiceAccount: 2,
    Deployment: 1, DaemonSet: 1,
  };
  const sets = [
    {
      name: 'default values',
      args: ['-n', 'kaudit-system'],
      kinds: { ...base, CustomResourceDefinition: 1, Service: 2, PodDisruptionBudget: 1, NetworkPolicy: 2, Job: 1 },
      extra(objs) {
        compareWithManifests(objs, manifests);
        checkController(find(objs, 'Deployment', 'kaudit-controller'), this.name, { namespace: 'kaudit-system' });
        checkAgent(find(objs, 'DaemonSet', 'kaudit-agent'), this.name, { namespace: 'kaudit-system' });
        checkAgentPlacement(find(objs, 'DaemonSet', 'kaudit-agent'), this.name,
                            { 'node-role.kubernetes.io/control-plane': '' }, DEFAULT_TOLERATIONS);
        const chart = YAML.parse(fs.readFileSync(path.join(SRC, 'charts/kaudit/Chart.yaml'), 'utf8'));
        for (const w of objs.filter((o) => o.spec && (o.spec.template))) {
          for (const ctr of w.spec.template.spec.containers) {
            check(ctr.image === `ghcr.io/kaudit/kaudit:${chart.appVersion}`,
                  `${this.name}: ${key(w)} image ${ctr.image} uses the chart's appVersion`);
          }
        }
        const job = find(objs, 'Job', 'kaudit-uninstall');
        if (check(job, `${this.name}: the uninstall Job`)) {
          const a = job.metadata.annotations;
          check(a['helm.sh/hook'] === 'pre-delete', `${this.name}: the Job is a pre-delete hook`);
          check(/hook-succeeded/.test(a['helm.sh/hook-delete-policy'] || ''),
                `${this.name}: the Job is deleted once it succeeded`);
          check(Number.isInteger(job.spec.backoffLimit), `${this.name}: the Job has a backoffLimit`);
          const pod = job.spec.template.spec;
          check(pod.serviceAccountName === 'kaudit-controller', `${this.name}: the Job runs as kaudit-controller`);
          check(pod.restartPolicy === 'Never', `${this.name}: the Job's pod does not restart in place`);
          const ctr = pod.containers[0];
          checkEq(ctr.args, ['uninstall', '--namespace=kaudit-system', '--timeout=10m'],
                  `${this.name}: the Job runs kaudit uninstall`);
          checkArgs(`${this.name}: Job kaudit-uninstall`, ctr.args, 'uninstall');
          check(pod.securityContext.runAsNonRoot === true && ctr.securityContext.readOnlyRootFilesystem &&
                eq(ctr.securityContext.capabilities.drop, ['ALL']), `${this.name}: the Job is restricted`);
        }
      },
    },
    {
      name: 'release namespace "audit", CRDs and uninstall hook off',
      args: ['-n', 'audit', '--set', 'crds.install=false', '--set', 'uninstall.enabled=false'],
      kinds: { ...base, Service: 2, PodDisruptionBudget: 1, NetworkPolicy: 2 },
      extra(objs) {
        checkController(find(objs, 'Deployment', 'kaudit-controller'), this.name, { namespace: 'audit' });
        checkAgent(find(objs, 'DaemonSet', 'kaudit-agent'), this.name, { namespace: 'audit' });
        for (const o of objs) {
          if (CLUSTER_SCOPED.has(o.kind)) continue;
          const ns = o.metadata.namespace;
          const fixed = ['Role', 'RoleBinding'].includes(o.kind) && ['kube-system', 'default'].includes(ns);
          check(fixed || ns === 'audit', `${this.name}: ${key(o)} in the release namespace`);
          for (const s of o.subjects || []) {
            check(s.kind !== 'ServiceAccount' || s.namespace === 'audit',
                  `${this.name}: ${key(o)} binds the ServiceAccount in the release namespace`);
          }
        }
        for (const o of objs.filter((x) => x.kind === 'ClusterRoleBinding')) {
          for (const s of o.subjects) check(s.namespace === 'audit', `${this.name}: ${key(o)} subject namespace`);
        }
      },
    },
    {
      name: 'ServiceMonitors on',
      args: ['-n', 'kaudit-system', '--set', 'metrics.serviceMonitor.enabled=true',
             '--set', 'metrics.serviceMonitor.labels.release=prometheus'],
      kinds: { ...base, CustomResourceDefinition: 1, Service: 2, PodDisruptionBudget: 1, NetworkPolicy: 2, Job: 1, ServiceMonitor: 2 },
      extra(objs) {
        for (const sm of objs.filter((o) => o.kind === 'ServiceMonitor')) {
          check(sm.metadata.labels.release === 'prometheus', `${this.name}: ${key(sm)} carries the extra labels`);
          const svc = objs.filter((o) => o.kind === 'Service').find((s) =>
            Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels[k] === v));
          if (check(svc, `${this.name}: ${key(sm)} selects a metrics Service`)) {
            check(svc.spec.ports.some((p) => p.name === sm.spec.endpoints[0].port),
                  `${this.name}: ${key(sm)} scrapes a port the Service has`);
          }
        }
      },
    },
    {
      name: 'initial profile on',
      args: ['-n', 'kaudit-system', '--set', 'profile.enabled=true', '--set', 'profile.name=baseline',
             '--set', 'profile.spec.preset=Metadata', '--set', 'profile.spec.omitManagedFields=true'],
      kinds: { ...base, CustomResourceDefinition: 1, Service: 2, PodDisruptionBudget: 1, NetworkPolicy: 2, Job: 1, AuditProfile: 1 },
      extra(objs) {
        const p = find(objs, 'AuditProfile', 'baseline');
        if (!check(p, `${this.name}: AuditProfile baseline`)) return;
        check(p.metadata.annotations['helm.sh/hook'] === 'post-install',
              `${this.name}: the profile is a post-install hook (its CRD is created by the same release)`);
        checkEq(p.spec, { preset: 'Metadata', omitManagedFields: true }, `${this.name}: the profile's spec`);
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kaudit-chart-'));
        try {
          fs.writeFileSync(path.join(tmp, 'p.yaml'), YAML.stringify(p));
          const r = run(KAUDIT, ['render', '--strict', '-f', path.join(tmp, 'p.yaml')]);
          check(r.status === 0, `${this.name}: kaudit render accepts the profile: ${r.stderr}`);
        } finally {
          fs.rmSync(tmp, { recursive: true, force: true });
        }
      },
    },
    {
      name: 'images, node selection and log root of our own',
      args: ['-n', 'kaudit-system', '--set', 'image.repository=registry.example.com/sec/kaudit',
             '--set', 'image.tag=1.2.3', '--set', 'image.pullPolicy=Always',
             '--set', 'image.pullSecrets[0].name=regcred',
             // Helm merges maps with the defaults: null removes the default's key.
             '--set-json', 'agent.nodeSelector={"kaudit.example.com/apiserver":"true","node-role.kubernetes.io/control-plane":null}',
             '--set-json', 'agent.tolerations=[{"key":"dedicated","operator":"Equal","value":"control","effect":"NoExecute"}]',
             '--set', 'allowedLogRoot=/var/log/audit-root'],
      kinds: { ...base, CustomResourceDefinition: 1, Service: 2, PodDisruptionBudget: 1, NetworkPolicy: 2, Job: 1 },
      extra(objs) {
        for (const w of objs.filter((o) => o.spec && o.spec.template)) {
          const pod = w.spec.template.spec;
          for (const ctr of pod.containers) {
            check(ctr.image === 'registry.example.com/sec/kaudit:1.2.3', `${this.name}: ${key(w)} image`);
            check(ctr.imagePullPolicy === 'Always', `${this.name}: ${key(w)} pull policy`);
          }
          checkEq(pod.imagePullSecrets, [{ name: 'regcred' }], `${this.name}: ${key(w)} pull secrets`);
        }
        const ds = find(objs, 'DaemonSet', 'kaudit-agent');
        checkAgent(ds, this.name, { logRoot: '/var/log/audit-root' });
        checkAgentPlacement(ds, this.name, { 'kaudit.example.com/apiserver': 'true' },
                            [{ key: 'dedicated', operator: 'Equal', value: 'control', effect: 'NoExecute' }]);
        const ctrl = find(objs, 'Deployment', 'kaudit-controller').spec.template.spec.containers[0];
        check(argValue(ctrl.args, '--allowed-log-root') === '/var/log/audit-root',
              `${this.name}: the controller's --allowed-log-root matches the agent's`);
      },
    },
    {
      name: 'leader election off, one replica',
      args: ['-n', 'kaudit-system', '--set', 'controller.leaderElection.enabled=false',
             '--set', 'controller.replicas=1'],
      kinds: { ...base, CustomResourceDefinition: 1, Service: 2, PodDisruptionBudget: 1, NetworkPolicy: 2, Job: 1 },
      extra(objs) {
        checkController(find(objs, 'Deployment', 'kaudit-controller'), this.name,
                        { replicas: 1, leaderElect: false });
      },
    },
    {
      name: 'metrics, network policy and PDB off',
      args: ['-n', 'kaudit-system', '--set', 'metrics.enabled=false', '--set', 'networkPolicy.enabled=false',
             '--set', 'controller.podDisruptionBudget.enabled=false', '--set', 'metrics.serviceMonitor.enabled=true'],
      kinds: { ...base, CustomResourceDefinition: 1, Job: 1 },
    },
  ];
  for (const s of sets) {
    const objs = helmTemplate(s.args, s.name);
    if (!objs) continue;
    validateAll(objs, s.name);
    checkEq(countKinds(objs), s.kinds, `${s.name}: kinds and counts`);
    if (s.extra) s.extra(objs);
    console.log(`ok: ${s.name}: ${objs.length} objects`);
  }
}

function cmdSchema() {
  const bad = [
    [['--set', 'controller.replicas=0'], '/controller/replicas'],
    [['--set', 'controller.leaderElection.enabled=false'], '/controller/replicas'],
    [['--set', 'image.pullPolicy=Sometimes'], '/image/pullPolicy'],
    [['--set', 'image.tag=not a tag'], '/image/tag'],
    [['--set', 'bogus=1'], 'bogus'],
    [['--set', 'controller.bogus=1'], 'bogus'],
    [['--set', 'crds.install=maybe'], '/crds/install'],
    [['--set', 'uninstall.timeout=soon'], '/uninstall/timeout'],
    [['--set', 'uninstall.backoffLimit=-1'], '/uninstall/backoffLimit'],
    [['--set', 'allowedLogRoot=var/log'], '/allowedLogRoot'],
    [['--set', 'allowedLogRoot=/'], '/allowedLogRoot'],
    [['--set', 'logFormat=xml'], '/logFormat'],
    [['--set-json', 'agent.tolerations=[{"key":"a","effect":"Sometimes"}]'], '/agent/tolerations/0/effect'],
    [['--set-json', 'networkPolicy.apiServerPorts=[70000]'], '/networkPolicy/apiServerPorts/0'],
    [['--set', 'profile.spec.preset=Loud'], '/profile/spec/preset'],
    [['--set', 'profile.name=Not_A_Name'], '/profile/name'],
    [['--set', 'controller.resources.requests.cpu=lots'], '/controller/resources/requests/cpu'],
    [['--set', 'metrics.serviceMonitor.interval=often'], '/metrics/serviceMonitor/interval'],
  ];
  for (const [args, field] of bad) {
    const r = run(HELM, ['template', 'kaudit', path.join(SRC, 'charts/kaudit'), ...args]);
    const what = `helm template ${args.join(' ')}`;
    if (check(r.status !== 0, `${what}: accepted, want a schema error naming ${field}`)) {
      check(r.stderr.includes(field), `${what}: the error does not name ${field}:\n${r.stderr}`);
      check(/values don't meet the specifications of the schema/.test(r.stderr),
            `${what}: refused, but not by values.schema.json:\n${r.stderr}`);
    }
  }
  // Every key of values.yaml is described by the schema (additionalProperties false all the way).
  const values = YAML.parse(fs.readFileSync(path.join(SRC, 'charts/kaudit/values.yaml'), 'utf8'));
  const schema = JSON.parse(fs.readFileSync(path.join(SRC, 'charts/kaudit/values.schema.json'), 'utf8'));
  check(schema.$schema === 'http://json-schema.org/draft-07/schema#', 'values.schema.json is draft-07');
  const resolve = (s) => (s && s.$ref ? resolve(schema.definitions[s.$ref.split('/').pop()]) : s);
  const walk = (v, s, at) => {
    s = resolve(s);
    if (!check(s, `values.yaml ${at}: not in values.schema.json`)) return;
    if (v && typeof v === 'object' && !Array.isArray(v) && s.properties) {
      for (const k of Object.keys(v)) walk(v[k], s.properties[k] || (s.additionalProperties === false ? null : {}), `${at}/${k}`);
    }
  };
  walk(values, schema, '');
}

// The kube-apiserver emulator (docs/development.md) takes `kubectl apply -k manifests/` and the
// rendered chart. `helm install` itself is tried first: Helm keeps its release record in a Secret
// written with the protobuf content type, which the emulator refuses (415), and Helm's only other
// storage without a database, the "memory" driver, replaces the cluster client with a fake that
// writes nothing; so the chart is installed as `helm template | kubectl apply`, hooks after the
// release's objects as Helm orders them. A kind the emulator does not serve fails the test.
function cmdEmulator() {
  const EMULATOR = process.env.EMULATOR;
  if (!EMULATOR) {
    console.error('packaging: EMULATOR (the kaudit-emulator binary) is not set');
    process.exit(1);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kaudit-pkg-emu-'));
  const started = [];
  const start = (name) => {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir);
    const child = require('child_process').spawn(EMULATOR, ['--data-dir', dir, '--port', '0'],
                                                 { stdio: ['ignore', 'ignore', 'inherit'] });
    started.push(child);
    const deadline = Date.now() + 10000;
    const info = path.join(dir, 'emulator.json');
    while (!fs.existsSync(info)) {
      if (Date.now() > deadline) {
        fail(`${name}: the emulator did not start`);
        return null;
      }
      spawnSync('sleep', ['0.05']);
    }
    spawnSync('sleep', ['0.1']);
    return { KUBECONFIG: path.join(dir, 'kubeconfig'), dir };
  };
  const kubectl = (emu, args, input) =>
    run(KUBECTL, args, { input, env: { ...process.env, KUBECONFIG: emu.KUBECONFIG } });
  const unserved = new Set();
  try {
    // Apply `objs` (CRDs first, then everything else, custom resources last, as Helm and
    // kubectl users would), then read every one back.
    const install = (emu, objs, where) => {
      const res = kubectl(emu, ['api-resources', '--no-headers']);
      if (!check(res.status === 0, `${where}: kubectl api-resources: ${res.stderr}`)) return;
      const served = new Set(res.stdout.trim().split('\n').map((l) => {
        const f = l.trim().split(/\s+/);
        return `${f[f.length - 3]}/${f[f.length - 1]}`;
      }));
      const isServed = (o) => served.has(`${o.apiVersion}/${o.kind}`) || o.kind === 'AuditProfile';
      for (const o of objs) if (!isServed(o)) unserved.add(`${o.apiVersion} ${o.kind}`);
      const waves = [objs.filter((o) => o.kind === 'Namespace' || o.kind === 'CustomResourceDefinition'),
                     objs.filter((o) => !['Namespace', 'CustomResourceDefinition', 'AuditProfile'].includes(o.kind)),
                     objs.filter((o) => o.kind === 'AuditProfile')];
      for (const wave of waves) {
        const mine = wave.filter(isServed);
        if (!mine.length) continue;
        const text = mine.map((o) => YAML.stringify(o)).join('---\n');
        const r = kubectl(emu, ['apply', '--validate=false', '-f', '-'], text);
        check(r.status === 0, `${where}: kubectl apply of ${mine.map(key).join(', ')} failed: ${r.stderr}`);
        const g = kubectl(emu, ['get', '-f', '-', '-o', 'json'], text);
        if (check(g.status === 0, `${where}: kubectl get -f: ${g.stderr}`)) {
          const got = JSON.parse(g.stdout);
          const items = got.items || [got];
          checkEq(items.map(key).sort(), mine.map(key).sort(), `${where}: the emulator holds what was applied`);
        }
      }
      return res;
    };

    // 1. kubectl apply -k manifests/ (the kustomization as kubectl builds it).
    const emu1 = start('manifests');
    if (emu1) {
      const objs = kustomize();
      install(emu1, objs, 'kubectl apply -k manifests/');
      if (!unserved.size) {
        const r = kubectl(emu1, ['apply', '--validate=false', '-k', path.join(SRC, 'manifests')]);
        check(r.status === 0, `kubectl apply -k manifests/ (again, as users run it): ${r.stderr}`);
      }
      const ap = parseAll(fs.readFileSync(path.join(SRC, 'examples/recommended.yaml'), 'utf8'), 'examples/');
      install(emu1, ap, 'examples/recommended.yaml after manifests/');
    }

    // 2. The chart into its release namespace, with the initial profile.
    const emu2 = start('chart');
    if (emu2) {
      const ns = 'kaudit-chart';
      const values = ['-n', ns, '--set', 'profile.enabled=true'];
      const h = run(HELM, ['install', 'kaudit', path.join(SRC, 'charts/kaudit'), ...values,
                           '--create-namespace', '--disable-openapi-validation', '--timeout', '30s'],
                    { env: { ...process.env, KUBECONFIG: emu2.KUBECONFIG } });
      if (h.status === 0) {
        console.log('ok: helm install against the emulator');
      } else {
        console.log(`note: helm install against the emulator failed, so the rendered chart is ` +
                    `applied with kubectl instead: ${h.stderr.trim().split('\n').pop()}`);
        const main = helmTemplate([...values, '--no-hooks'], 'chart for the emulator');
        const hooks = helmTemplate([...values, '--show-only', 'templates/profile.yaml',
                                    '--show-only', 'templates/uninstall-job.yaml'], 'chart hooks');
        if (main && hooks) {
          install(emu2, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, ...main],
                  'helm template (release objects)');
          install(emu2, hooks, 'helm template (hooks)');
        }
      }
    }
  } finally {
    for (const c of started) c.kill('SIGTERM');
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  check(!unserved.size, `the emulator serves every kind kaudit installs (missing: ${[...unserved].sort().join(', ')})`);
}

// The Dockerfile's runtime stage installs a Debian package for every shared library the kaudit
// binary needs (NEEDED entries), besides those debian:12-slim already has; runs as a non-root
// user; starts the one binary.
function cmdDockerfile() {
  const text = fs.readFileSync(path.join(SRC, 'Dockerfile'), 'utf8');
  const stages = text.split(/^FROM /m).slice(1);
  check(stages.length === 2, 'Dockerfile: two stages (build, runtime)');
  check(/^debian:12 AS build/.test(stages[0]), 'Dockerfile: the build stage is Debian 12');
  check(/hack\/setup\.sh/.test(stages[0]), 'Dockerfile: the build stage installs what hack/setup.sh installs');
  const rt = stages[stages.length - 1];
  check(/^debian:12-slim\n/.test(rt), 'Dockerfile: the runtime stage is debian:12-slim');
  check(/^USER 65532(:65532)?$/m.test(rt), 'Dockerfile: runs as uid 65532 by default');
  check(/^ENTRYPOINT \["\/usr\/local\/bin\/kaudit"\]$/m.test(rt), 'Dockerfile: ENTRYPOINT is the kaudit binary');
  check((rt.match(/^COPY /gm) || []).length === 1 && /COPY --from=build \S+\/kaudit \/usr\/local\/bin\/kaudit/.test(rt),
        'Dockerfile: the runtime stage copies the kaudit binary and nothing else');
  const install = /apt-get install[^\n]*\\\n([\s\S]*?)\\?\n\s*&&/.exec(rt);
  if (!check(install, 'Dockerfile: the runtime stage installs packages with apt-get install')) return;
  const pkgs = new Set(install[1].split(/\s+/).filter((w) => w && !w.startsWith('-') && w !== '\\'));
  const base = new Set(['libc6', 'libgcc-s1', 'libstdc++6', 'zlib1g']);  // in debian:12-slim
  const r = run('readelf', ['-d', KAUDIT]);
  if (!check(r.status === 0, `readelf -d ${KAUDIT}: ${r.stderr}`)) return;
  const needed = [...r.stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  check(needed.length > 0, 'kaudit has NEEDED entries');
  const ld = run('ldconfig', ['-p']);
  for (const lib of needed) {
    const line = ld.stdout.split('\n').find((l) => l.trim().startsWith(lib + ' ') && /x86-64|x86_64|AArch64/.test(l));
    if (!check(line, `${lib}: not found by ldconfig`)) continue;
    const file = fs.realpathSync(line.split('=> ')[1].trim());
    // Debian 12 is merged-/usr: dpkg may know the file under /lib rather than /usr/lib.
    let owner = null;
    for (const f of [file, file.replace(/^\/usr\/lib\//, '/lib/')]) {
      owner = run('dpkg', ['-S', f]);
      if (owner.status === 0) break;
    }
    if (!check(owner.status === 0, `${lib}: no Debian package owns ${file}`)) continue;
    const pkg = owner.stdout.split(':')[0].trim();
    if (/^lib(a|ub|l|t)san\d*$/.test(pkg)) continue;  // sanitizer runtime of an ASan build
    check(pkgs.has(pkg) || base.has(pkg), `Dockerfile: ${lib} (package ${pkg}) is not installed in the runtime stage`);
  }
  const ignore = fs.readFileSync(path.join(SRC, '.dockerignore'), 'utf8');
  check(/^\*$/m.test(ignore) && /^!operator\/$/m.test(ignore), '.dockerignore: only the build inputs go to the daemon');
}

const commands = { dockerfile: cmdDockerfile, emulator: cmdEmulator, copies: cmdCopies, crds: cmdCrds, kustomize: cmdKustomize, examples: cmdExamples,
                   chart: cmdChart, schema: cmdSchema };
const cmd = commands[process.argv[2]];
if (!cmd) {
  console.error(`usage: packaging.js ${Object.keys(commands).join('|')}`);
  process.exit(2);
}
loadEsmModels().then(() => {
  cmd();
  console.log(`${process.argv[2]}: ${checks} checks, ${failures} failed`);
  process.exit(failures ? 1 : 0);
});
