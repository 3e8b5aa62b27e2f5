import { App } from "cdktf";
import { loadAllEnvironments } from "../config/load";
import { createStacks } from "../stacks";

// One full synthesis of every stack of an environment into a given folder: the unit the benchmark times.
const [environment, outdir] = process.argv.slice(2);
const { selected, all } = loadAllEnvironments("environments.yaml", environment, new Date().toISOString().slice(0, 10));
const app = new App({ outdir, skipBackendValidation: true });
createStacks(app, selected, all);
app.synth();
