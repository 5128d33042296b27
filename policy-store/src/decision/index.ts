export { authorize } from "./authorize.js";
export { decide } from "./decide.js";
