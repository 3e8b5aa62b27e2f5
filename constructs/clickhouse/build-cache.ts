import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve, sep } from "node:path";

/*
 * A content-addressed cache of build outputs on disk, so a synth does not rebuild what an earlier synth built from
 * the same inputs (esbuild bundling and zipping are half of a synth's own time). An entry's key is a hash of
 * everything the build reads: the content of every input file the last build of that entry reported (installed
 * packages by lock file, size and time: see `fingerprint`), plus a salt for the rest (tool version, options). A changed, added or removed import changes the
 * content of an input file, hence the key: that is a miss, and the caller rebuilds. Entries are written aside and
 * renamed into place, so parallel synths (test workers) never read half a file.
 */

/** What a build reads besides its input files: hashed into every key. */
export type CacheSalt = readonly unknown[];

/** A folder of build outputs, keyed by the content of their inputs. */
export class BuildCache {
  /**
   * @param directory where outputs are kept (git-ignored); created on first write.
   * @param root the folder input paths are relative to (esbuild's `absWorkingDir`).
   */
  constructor(
    readonly directory: string,
    readonly root: string,
  ) {}

  /** The key of `inputs` (paths relative to `root`) with `salt`; undefined when an input cannot be read. */
  keyOf(inputs: readonly string[], salt: CacheSalt): string | undefined {
    const hash = createHash("sha256").update(JSON.stringify(salt));
    for (const input of [...inputs].sort()) {
      const path = isAbsolute(input) ? input : resolve(this.root, input);
      if (!existsSync(path)) return undefined;
      hash.update(`${input}\0${fingerprint(path)}\0`);
    }
    return hash.digest("hex").slice(0, 32);
  }

  /** The stored output named `name`, if any. */
  read(name: string): Buffer | undefined {
    const path = join(this.directory, name);
    return existsSync(path) ? readFileSync(path) : undefined;
  }

  /** Stores `data` under `name` atomically; returns its path. */
  write(name: string, data: string | Buffer): string {
    mkdirSync(this.directory, { recursive: true });
    const path = join(this.directory, name);
    const partial = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(partial, data);
    renameSync(partial, path);
    return path;
  }

  /**
   * The output of `build` for `id`: from the cache when the inputs the last build of `id` reported hash to a key
   * already stored, else built (and stored with its input list for the next lookup).
   */
  getOrBuild(id: string, salt: CacheSalt, build: () => { output: string; inputs: readonly string[] }): { output: string; cached: boolean } {
    const keySalt = [id, ...salt];
    const manifestName = `${hashOf(JSON.stringify(keySalt))}.inputs.json`;
    const manifest = this.read(manifestName);
    if (manifest) {
      const key = this.keyOf(JSON.parse(manifest.toString("utf8")) as string[], keySalt);
      const output = key && this.read(`${key}.out`);
      if (output) return { output: output.toString("utf8"), cached: true };
    }
    const { output, inputs } = build();
    const key = this.keyOf(inputs, keySalt);
    // An input that is not a readable file (a virtual module, say) makes the build uncacheable, never wrong.
    if (key) {
      this.write(`${key}.out`, output);
      this.write(manifestName, JSON.stringify([...inputs].sort()));
    }
    return { output, cached: false };
  }
}

/**
 * What identifies a file's content: a hash of it, except for installed packages (over a thousand files for the
 * AWS SDK, and reading them all would cost a quarter of a synth). Those are what package-lock.json, an input of
 * every build, pins; their size and modification time catch a package edited by hand or reinstalled.
 */
function fingerprint(path: string): string {
  if (path.includes(`${sep}node_modules${sep}`)) {
    const { size, mtimeMs } = statSync(path);
    return `${size}:${mtimeMs}`;
  }
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** Hex SHA-256 of `data`, shortened to 32 characters. */
export function hashOf(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex").slice(0, 32);
}
