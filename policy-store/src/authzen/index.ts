export {
  type AuthzenAnswer,
  AuthzenRequestError,
  authzenEvaluate,
  authzenEvaluations,
  authzenSearchActions,
  authzenSearchResources,
  authzenSearchSubjects,
} from "./authzen.js";
