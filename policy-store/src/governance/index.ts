export { OutcomeError, reportOutcome } from "./history.js";
export { assignMembership, declareSodConflict, findSodViolations, SodConflictError } from "./sod.js";
export {
  grantWallCrossing,
  listWallCrossings,
  revokeWallCrossing,
  type WallCrossing,
  WallCrossingError,
} from "./wall-crossings.js";
