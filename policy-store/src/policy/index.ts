export { formatPolicySources } from "./format.js";
export { formatImpactReport, replayDecisions } from "./impact-diff.js";
export { loadPack, type PackName, packNames } from "./packs.js";
export { compilePolicySet, compilePolicySetAsync, formatProblem, PolicySetError, readPolicyDir } from "./policy-set.js";
export { runScenarioDir, runScenarioFile, type ScenarioFileResult, type StepResult } from "./scenarios.js";
export { setShadow, shadowReport } from "./shadow.js";
export type { LoadedPolicySet, PolicySource } from "./types.js";
export {
  type Activation,
  activationHistory,
  approveActivation,
  fourEyesRequired,
  generateSigningKeyPem,
  getVersion,
  listVersions,
  loadSigningKey,
  PolicyVersionError,
  pendingActivations,
  publishVersion,
  readPolicyState,
  requestActivation,
  rollbackTarget,
  setFourEyes,
  type VersionSummary,
  verifyVersion,
} from "./versions.js";
