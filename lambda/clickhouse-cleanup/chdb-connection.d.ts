// chdb exposes `chdb/connection` through package "exports", which this project's moduleResolution ("node") does not
// read; the runtime (tsx, vitest) does. Point the type checker at the same declarations.
declare module "chdb/connection" {
  export * from "chdb/dist/connection/index";
}
