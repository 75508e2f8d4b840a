// Validates the Strimzi and KEDA custom resources of rendered manifests against
// their CRD schemas (the kubernetes-models packages, generated from the CRDs).
//   node validate_crs.mjs FILE.yaml...   prints one line per resource; exit 1 on any error
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { KafkaTopic, KafkaUser } from "@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1beta2";
import { ScaledObject, TriggerAuthentication } from "@kubernetes-models/keda/keda.sh/v1alpha1";

const models = {
  "kafka.strimzi.io/v1beta2 KafkaTopic": KafkaTopic,
  "kafka.strimzi.io/v1beta2 KafkaUser": KafkaUser,
  "keda.sh/v1alpha1 ScaledObject": ScaledObject,
  "keda.sh/v1alpha1 TriggerAuthentication": TriggerAuthentication,
};

let failed = 0;
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    const resource = doc.toJS();
    if (!resource || !resource.apiVersion || !/(^|\.)(strimzi\.io|keda\.sh)\//.test(resource.apiVersion)) continue;
    const key = `${resource.apiVersion} ${resource.kind}`;
    const Model = models[key];
    const where = `${file}: ${key} ${resource.metadata?.name}`;
    if (!Model) {
      console.log(`FAIL ${where}: no schema for this kind`);
      failed++;
      continue;
    }
    try {
      new Model(resource).validate();
      console.log(`ok   ${where}`);
    } catch (e) {
      console.log(`FAIL ${where}: ${e.message}`);
      failed++;
    }
  }
}
process.exit(failed ? 1 : 0);
