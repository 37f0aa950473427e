// A subset of Chaos Mesh's CRD schemas, for validating the resources `mqlab k8s render` writes.
// Facts (field names, required fields, enums, patterns) are read from Chaos Mesh v2.8.3
// (github.com/chaos-mesh/chaos-mesh, commit 608b61e7c1b16c01a242e8ddc93c768ea77d783a),
// config/crd/bases/chaos-mesh.org_{podchaos,networkchaos,iochaos,timechaos}.yaml, version
// v1alpha1, openAPIV3Schema.properties.spec. Written here as JSON Schema, not copied: every
// spec field of those CRDs is listed (so an unknown field fails, which the API server would
// prune silently), with the nested objects the renderer uses (selector, target, delay, loss)
// closed and the others left open. timeOffset's pattern is ours (the CRD says string; Chaos
// Mesh parses it with Go's time.ParseDuration). Update the facts with the version you deploy.
const modeEnum = ["one", "all", "fixed", "fixed-percent", "random-max-percent"];
const durationPattern = "^[0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h)$";
const stringMap = { type: "object", additionalProperties: { type: "string" } };
const strings = { type: "array", items: { type: "string" } };

const selector = {
  type: "object",
  additionalProperties: false,
  properties: {
    annotationSelectors: stringMap,
    expressionSelectors: { type: "array", items: { type: "object", required: ["key", "operator"], properties: { key: { type: "string" }, operator: { type: "string" }, values: strings } } },
    fieldSelectors: stringMap,
    labelSelectors: stringMap,
    namespaces: strings,
    nodeSelectors: stringMap,
    nodes: strings,
    podPhaseSelectors: strings,
    pods: { type: "object", additionalProperties: strings },
  },
};

/** Fields every chaos kind's spec has (PodSelectorSpec + duration + remoteCluster). */
const common = {
  mode: { type: "string", enum: modeEnum },
  value: { type: "string" },
  selector,
  duration: { type: "string", pattern: durationPattern },
  remoteCluster: { type: "string" },
};

const metadata = {
  type: "object",
  required: ["name"],
  properties: {
    name: { type: "string", pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", maxLength: 253 },
    namespace: { type: "string" },
    labels: stringMap,
    annotations: stringMap,
  },
};

function resource(kind: string, spec: { required: string[]; properties: Record<string, unknown> }): object {
  return {
    type: "object",
    required: ["apiVersion", "kind", "metadata", "spec"],
    additionalProperties: false,
    properties: {
      apiVersion: { const: "chaos-mesh.org/v1alpha1" },
      kind: { const: kind },
      metadata,
      spec: { type: "object", additionalProperties: false, required: spec.required, properties: { ...common, ...spec.properties } },
    },
  };
}

export const chaosMeshSchemas: Record<string, object> = {
  PodChaos: resource("PodChaos", {
    required: ["action", "mode", "selector"],
    properties: {
      action: { type: "string", enum: ["pod-kill", "pod-failure", "container-kill"] },
      containerNames: strings,
      gracePeriod: { type: "integer", minimum: 0 },
    },
  }),
  NetworkChaos: resource("NetworkChaos", {
    required: ["action", "mode", "selector"],
    properties: {
      action: { type: "string", enum: ["netem", "delay", "loss", "duplicate", "corrupt", "partition", "bandwidth"] },
      direction: { type: "string", enum: ["to", "from", "both"] },
      target: { type: "object", additionalProperties: false, required: ["mode", "selector"], properties: { mode: { type: "string", enum: modeEnum }, selector, value: { type: "string" } } },
      delay: {
        type: "object", additionalProperties: false, required: ["latency"],
        properties: { latency: { type: "string", pattern: durationPattern }, jitter: { type: "string", pattern: durationPattern }, correlation: { type: "string" }, reorder: { type: "object" } },
      },
      loss: { type: "object", additionalProperties: false, required: ["loss"], properties: { loss: { type: "string" }, correlation: { type: "string" } } },
      bandwidth: { type: "object", required: ["buffer", "limit", "rate"] },
      corrupt: { type: "object", required: ["corrupt"] },
      duplicate: { type: "object", required: ["duplicate"] },
      rate: { type: "object", required: ["rate"] },
      device: { type: "string" },
      targetDevice: { type: "string" },
      externalTargets: strings,
    },
  }),
  IOChaos: resource("IOChaos", {
    required: ["action", "mode", "selector", "volumePath"],
    properties: {
      action: { type: "string", enum: ["latency", "fault", "attrOverride", "mistake"] },
      volumePath: { type: "string" },
      path: { type: "string" },
      delay: { type: "string", pattern: durationPattern },
      errno: { type: "integer" },
      percent: { type: "integer", minimum: 0, maximum: 100 },
      methods: strings,
      containerNames: strings,
      attr: { type: "object" },
      mistake: { type: "object" },
    },
  }),
  TimeChaos: resource("TimeChaos", {
    required: ["mode", "selector", "timeOffset"],
    properties: {
      timeOffset: { type: "string", pattern: "^-?[0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h)$" },
      clockIds: strings,
      containerNames: strings,
    },
  }),
};
