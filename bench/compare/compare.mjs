#!/usr/bin/env node
// Replays editing traces with Yjs, Loro, Automerge and json-joy and prints one JSON line per
// library, with the same fields as the C++ `crdt-bench`, so that the numbers can be put side by
// side in the README. Run by hand; not used by tests or CI. See README.md next to this file.
//
//   node compare.mjs TRACE.json.gz [--runs N] [--runs-<lib> N] [--libs yjs,loro,automerge,jsonjoy]
//                                  [--limit-s S] [--concurrent [--mode branches|agents]]
//
// --runs N       timed runs per library (median reported), after one untimed warm-up run; default 5
// --runs-<lib> N override for one library, e.g. --runs-automerge 1
// --limit-s S    skip a library (kill its child, print a "skipped" line) when one replay takes
//                longer than S seconds; default 60
// --concurrent   the trace is a concurrent one (see README.md for the two --mode replays)
//
// The parent process runs each library in its own child process (node --expose-gc), one after the
// other, so that heap and WebAssembly memory measurements start from a clean process and one
// library's garbage or JIT state does not affect the next one.

import { readFileSync, existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import path from 'node:path';

const SELF = fileURLToPath(import.meta.url);
const ALL_LIBS = ['yjs', 'loro', 'automerge', 'jsonjoy'];
const PACKAGES = {
  yjs: 'yjs',
  loro: 'loro-crdt',
  automerge: '@automerge/automerge',
  jsonjoy: 'json-joy',
};

// ---------------------------------------------------------------------------------------------
// Command line

function usage(msg) {
  if (msg) process.stderr.write(`compare.mjs: ${msg}\n`);
  process.stderr.write(
    'usage: node compare.mjs TRACE.json.gz [--runs N] [--runs-<lib> N] [--libs ' +
      ALL_LIBS.join(',') +
      '] [--limit-s S] [--concurrent [--mode branches|agents]]\n',
  );
  process.exit(2);
}

function parseArgs(argv) {
  const o = { trace: null, runs: 5, libRuns: {}, libs: ALL_LIBS, limitS: 60, concurrent: false, mode: 'branches', child: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--runs') o.runs = posInt(next(), a);
    else if (a.startsWith('--runs-')) {
      const lib = a.slice('--runs-'.length);
      if (!ALL_LIBS.includes(lib)) usage(`unknown library in ${a}`);
      o.libRuns[lib] = posInt(next(), a);
    } else if (a === '--libs') {
      o.libs = next().split(',').map((s) => s.trim()).filter(Boolean);
      for (const l of o.libs) if (!ALL_LIBS.includes(l)) usage(`unknown library "${l}"`);
    } else if (a === '--limit-s') o.limitS = Number(next());
    else if (a === '--concurrent') o.concurrent = true;
    else if (a === '--mode') {
      o.mode = next();
      if (o.mode !== 'branches' && o.mode !== 'agents') usage('--mode must be branches or agents');
    }
    else if (a === '--child') o.child = next();
    else if (a === '-h' || a === '--help') usage();
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else if (o.trace === null) o.trace = a;
    else usage(`unexpected argument ${a}`);
  }
  if (!o.trace) usage('missing trace file');
  if (!(o.limitS > 0)) usage('--limit-s must be > 0');
  return o;
}

function posInt(s, name) {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) usage(`${name} must be a positive integer`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Trace loading

function loadTrace(file, concurrent) {
  const t = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8'));
  const isConcurrent = t.kind === 'concurrent';
  if (concurrent && !isConcurrent) throw new Error(`${file} is not a concurrent trace`);
  if (!concurrent && isConcurrent) throw new Error(`${file} is a concurrent trace: use --concurrent`);
  if (!concurrent && t.startContent) throw new Error('traces with non-empty startContent are not supported');
  // Positions in the traces count Unicode code points; Yjs, json-joy, Loro (JS API) and Automerge
  // (JS API) take UTF-16 indices. They agree only for text without astral-plane characters, so
  // refuse anything else instead of silently measuring a wrong replay. The shipped variants are ASCII.
  const astral = /[\uD800-\uDFFF]/;
  let edits = 0;
  if (astral.test(t.endContent)) throw new Error('trace has non-BMP characters; positions would need conversion');
  for (const txn of t.txns) {
    for (const p of txn.patches) {
      if (astral.test(p[2])) throw new Error('trace has non-BMP characters; positions would need conversion');
      edits++;
    }
  }
  return { trace: t, edits, name: path.basename(file).replace(/\.json\.gz$/, '') };
}

// ---------------------------------------------------------------------------------------------
// WebAssembly memory tracking. Loro and Automerge instantiate their wasm module synchronously
// with `new WebAssembly.Instance` when imported; wrap the constructor (before importing them) to
// remember every exported linear memory. Its size (buffer.byteLength) is the wasm heap's high
// water mark: wasm memory grows in 64 KiB pages and never shrinks.

const wasmMemories = [];
function hookWasm() {
  const remember = (instance) => {
    for (const v of Object.values(instance.exports)) if (v instanceof WebAssembly.Memory) wasmMemories.push(v);
  };
  const Orig = WebAssembly.Instance;
  WebAssembly.Instance = new Proxy(Orig, {
    construct(target, args, newTarget) {
      const inst = Reflect.construct(target, args, newTarget === WebAssembly.Instance ? target : newTarget);
      remember(inst);
      return inst;
    },
  });
  const origInstantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = async (...args) => {
    const r = await origInstantiate.apply(WebAssembly, args);
    remember(r.instance ?? r);
    return r;
  };
}
const wasmBytes = () => wasmMemories.reduce((s, m) => s + m.buffer.byteLength, 0);

function jsBytes() {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

// Full GC, letting the event loop turn in between: FinalizationRegistry callbacks (which free the
// wasm side of Loro and Automerge objects) only run as tasks, and WeakRef targets are kept alive
// until the current job ends.
const tick = () => new Promise((resolve) => setImmediate(resolve));
async function fullGc() {
  globalThis.gc();
  await tick();
  globalThis.gc();
  await tick();
  globalThis.gc();
}

function packageVersion(pkg) {
  const require = createRequire(SELF);
  let dir = path.dirname(require.resolve(pkg));
  for (;;) {
    const f = path.join(dir, 'package.json');
    if (existsSync(f)) {
      const j = JSON.parse(readFileSync(f, 'utf8'));
      if (j.name === pkg) return j.version;
    }
    const up = path.dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}

// ---------------------------------------------------------------------------------------------
// Library adapters. Each one has:
//   replay(txns)        -> doc     (sequential trace, one library transaction per trace txn)
//   text(doc)           -> string
//   encode(doc)         -> Uint8Array (full state)
//   load(bytes)         -> string (decode into a fresh doc and read the text)
//   conc: { create(), fork(doc), merge(dst, src) -> dst, edit(doc, patches) -> doc, text(doc),
//           track(doc), lastUpdate(doc), applyUpdates(doc, updates) -> doc }
//     (track/lastUpdate/applyUpdates: the update a replica's last local transaction produced, and
//     applying such updates from other replicas; used by --mode agents)

async function makeAdapter(lib) {
  switch (lib) {
    case 'yjs': {
      const Y = await import('yjs');
      const apply = (doc, ytext, patches) => {
        doc.transact(() => {
          for (const [pos, del, ins] of patches) {
            if (del > 0) ytext.delete(pos, del);
            if (ins.length > 0) ytext.insert(pos, ins);
          }
        });
      };
      return {
        replay(txns) {
          const doc = new Y.Doc();
          const ytext = doc.getText('text');
          for (const txn of txns) apply(doc, ytext, txn.patches);
          return doc;
        },
        text: (doc) => doc.getText('text').toString(),
        encode: (doc) => Y.encodeStateAsUpdateV2(doc),
        load(bytes) {
          const doc = new Y.Doc();
          Y.applyUpdateV2(doc, bytes);
          return doc.getText('text').toString();
        },
        conc: {
          create: () => new Y.Doc(),
          fork(src) {
            // A fresh Y.Doc gets a fresh random clientID, so forks never reuse an ID.
            const doc = new Y.Doc();
            Y.applyUpdate(doc, Y.encodeStateAsUpdate(src));
            return doc;
          },
          merge(dst, src) {
            Y.applyUpdate(dst, Y.encodeStateAsUpdate(src, Y.encodeStateVector(dst)));
            return dst;
          },
          edit(doc, patches) {
            apply(doc, doc.getText('text'), patches);
            return doc;
          },
          track(doc) {
            // The update event hands out the (V1) update of each local transaction.
            doc.on('update', (update, origin, d, tr) => {
              if (tr.local) doc.lastLocalUpdate = update;
            });
          },
          lastUpdate: (doc) => doc.lastLocalUpdate,
          applyUpdates(doc, updates) {
            doc.transact(() => {
              for (const u of updates) Y.applyUpdate(doc, u, 'remote');
            }, 'remote');
            return doc;
          },
          text: (doc) => doc.getText('text').toString(),
        },
      };
    }
    case 'loro': {
      const { LoroDoc } = await import('loro-crdt');
      const apply = (doc, text, patches) => {
        for (const [pos, del, ins] of patches) {
          if (del > 0) text.delete(pos, del);
          if (ins.length > 0) text.insert(pos, ins);
        }
        doc.commit();
      };
      return {
        replay(txns) {
          const doc = new LoroDoc();
          const text = doc.getText('text');
          for (const txn of txns) apply(doc, text, txn.patches);
          return doc;
        },
        text: (doc) => doc.getText('text').toString(),
        encode: (doc) => doc.export({ mode: 'snapshot' }),
        load(bytes) {
          const doc = LoroDoc.fromSnapshot(bytes);
          const s = doc.getText('text').toString();
          doc.free();
          return s;
        },
        conc: {
          create: () => new LoroDoc(),
          fork: (src) => src.fork(), // new random PeerID
          merge(dst, src) {
            dst.import(src.export({ mode: 'update', from: dst.oplogVersion() }));
            return dst;
          },
          edit(doc, patches) {
            apply(doc, doc.getText('text'), patches);
            return doc;
          },
          track(doc) {
            // Called synchronously by commit() with the update of that commit.
            doc.subscribeLocalUpdates((update) => {
              doc.lastLocalUpdate = update;
            });
          },
          lastUpdate: (doc) => doc.lastLocalUpdate,
          applyUpdates(doc, updates) {
            if (updates.length === 1) doc.import(updates[0]);
            else doc.importBatch(updates);
            return doc;
          },
          text: (doc) => doc.getText('text').toString(),
        },
      };
    }
    case 'automerge': {
      const A = await import('@automerge/automerge');
      const apply = (doc, patches) =>
        A.change(doc, (d) => {
          for (const [pos, del, ins] of patches) A.splice(d, ['text'], pos, del, ins);
        });
      // All replicas must share the object that holds the text, so create it once and fork it.
      let base = null;
      const create = () => {
        if (base === null) base = A.from({ text: '' });
        return A.clone(base);
      };
      return {
        replay(txns) {
          let doc = A.from({ text: '' }); // Automerge 3: a string field is a collaborative text
          for (const txn of txns) doc = apply(doc, txn.patches);
          return doc;
        },
        text: (doc) => doc.text,
        encode: (doc) => A.save(doc),
        load(bytes) {
          const doc = A.load(bytes);
          const s = doc.text;
          A.free(doc);
          return s;
        },
        conc: {
          create,
          fork: (src) => A.clone(src), // new random actor ID
          merge: (dst, src) => A.merge(dst, src),
          edit: apply,
          track() {},
          lastUpdate: (doc) => A.getLastLocalChange(doc),
          applyUpdates: (doc, changes) => A.applyChanges(doc, changes)[0],
          text: (doc) => doc.text,
        },
      };
    }
    case 'jsonjoy': {
      const { Model } = await import('json-joy/lib/json-crdt/index.js');
      const applyLocal = (model, str, patches) => {
        for (const [pos, del, ins] of patches) {
          if (del > 0) str.del(pos, del);
          if (ins.length > 0) str.ins(pos, ins);
        }
        // One JSON CRDT Patch per trace transaction (also keeps the builder from growing).
        return model.api.flush();
      };
      // Concurrent replay: json-joy has no "diff against my version" call, so keep a log of every
      // patch, grouped by session ID, and send a replica the patches it has not seen, in creation
      // order (which is causal order). A model has seen patch (sid, t) iff its clock has seen
      // (sid, t): each session is used by one replica only and its patches are contiguous.
      let log = [];
      let bySid = new Map();
      const record = (patch) => {
        if (patch.ops.length === 0) return;
        const id = patch.getId();
        const entry = { idx: log.length, time: id.time, patch };
        log.push(entry);
        let l = bySid.get(id.sid);
        if (!l) bySid.set(id.sid, (l = []));
        l.push(entry);
      };
      const seen = (model, sid) => {
        if (sid === model.clock.sid) return Infinity;
        const ts = model.clock.peers.get(sid);
        return ts ? ts.time : -1;
      };
      return {
        replay(txns) {
          const model = Model.create();
          model.api.set('');
          model.api.flush();
          const str = model.api.str([]);
          for (const txn of txns) applyLocal(model, str, txn.patches);
          return model;
        },
        text: (model) => model.view(),
        encode: (model) => model.toBinary(),
        load: (bytes) => Model.fromBinary(bytes).view(),
        conc: {
          create() {
            log = [];
            bySid = new Map();
            const model = Model.create();
            model.api.set('');
            record(model.api.flush());
            return model;
          },
          fork: (src) => src.fork(), // new random session ID
          merge(dst, src) {
            const missing = [];
            const sids = [src.clock.sid, ...src.clock.peers.keys()];
            for (const sid of sids) {
              const have = seen(dst, sid);
              if (have === Infinity) continue;
              const upto = seen(src, sid);
              const l = bySid.get(sid);
              if (!l) continue;
              for (let i = l.length - 1; i >= 0 && l[i].time > have; i--) if (l[i].time <= upto) missing.push(l[i]);
            }
            missing.sort((a, b) => a.idx - b.idx);
            for (const e of missing) dst.applyPatch(e.patch);
            return dst;
          },
          edit(model, patches) {
            const patch = applyLocal(model, model.api.str([]), patches);
            record(patch);
            model.lastLocalPatch = patch;
            return model;
          },
          track() {},
          lastUpdate: (model) => model.lastLocalPatch,
          applyUpdates(model, patches) {
            for (const p of patches) model.applyPatch(p);
            return model;
          },
          text: (model) => model.view(),
        },
      };
    }
    default:
      throw new Error(`unknown library ${lib}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Child: measure one library

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const round = (x) => Math.round(x * 1000) / 1000;
const now = () => performance.now();
// CPU time of the whole process (all threads, so V8's concurrent GC threads count too), in ms.
// Less sensitive than wall-clock time to other processes competing for the cores.
const cpuSince = (c0) => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
const send = (msg) => process.send(msg);

async function child(o) {
  if (typeof globalThis.gc !== 'function') throw new Error('child must run with --expose-gc');
  const lib = o.child;
  const runs = o.libRuns[lib] ?? o.runs;
  const { trace, edits, name } = loadTrace(o.trace, o.concurrent);
  hookWasm();
  const ad = await makeAdapter(lib);
  const version = packageVersion(PACKAGES[lib]);
  const isWasm = wasmMemories.length > 0;

  if (o.concurrent) {
    const times = [];
    const cpu = [];
    let result;
    let ok = true;
    for (let r = 0; r < runs + 1; r++) {
      await fullGc();
      send({ type: 'run_start', run: r });
      const c0 = process.cpuUsage();
      const t0 = now();
      result = o.mode === 'agents' ? replayAgents(ad.conc, trace) : replayBranches(ad.conc, trace);
      const t1 = now();
      const c1 = cpuSince(c0);
      send({ type: 'run_end', run: r });
      ok = ok && result.ok;
      if (r > 0) {
        // run 0 is a warm-up
        times.push(t1 - t0);
        cpu.push(c1);
      }
    }
    send({
      type: 'result',
      line: {
        lib,
        version,
        trace: name,
        mode: o.mode,
        txns: trace.txns.length,
        edits,
        ok,
        ms: round(median(times)),
        replicas: result.replicas,
        runs,
        // Extra fields, not in the C++ bench:
        cpu_ms: round(median(cpu)),
        ...result.extra,
      },
    });
    return;
  }

  const txns = trace.txns;
  const end = trace.endContent;
  // The document lives only in `box` and in the synchronous helpers below, not in a local of this
  // async function (a precaution: its locals are saved across every `await`, and a stale copy
  // could keep a previous run's document alive during the next run's memory baseline).
  const box = { doc: null };

  // Run 0: warm-up (JIT, wasm tier-up, allocator) and the WebAssembly memory measurement; not
  // timed. Linear memory only grows, so its growth is measured on the first replay in this process.
  await fullGc();
  const wasm0 = wasmBytes();
  send({ type: 'run_start', run: 0 });
  replayInto(box, ad, txns);
  send({ type: 'run_end', run: 0 });
  await fullGc();
  const memWasm = wasmBytes() - wasm0;
  let ok = encodeAndRelease(box, ad, end).ok;

  // Timed replays. Each also measures the JS heap (+ ArrayBuffers) growth that the replayed
  // document keeps alive: full GC before, replay, full GC after (outside the timed region).
  const local = [];
  const localCpu = [];
  const memJsRuns = [];
  const encode = [];
  const sizes = [];
  let bytes = null;
  for (let r = 1; r <= runs; r++) {
    await fullGc();
    const js0 = jsBytes();
    send({ type: 'run_start', run: r });
    const rep = replayInto(box, ad, txns);
    send({ type: 'run_end', run: r });
    await fullGc();
    memJsRuns.push(jsBytes() - js0);
    const enc = encodeAndRelease(box, ad, end);
    ok = ok && enc.ok;
    bytes = enc.bytes;
    local.push(rep.ms);
    localCpu.push(rep.cpu);
    encode.push(enc.ms);
    sizes.push(bytes.length); // varies by a few bytes between runs: random client/peer/actor IDs
  }

  // Loads, after all replays: loading a Yjs update or a json-joy model was seen to keep a few MB
  // reachable into the next replay's baseline. One untimed warm-up load (a cold first Automerge load was 5 to 30 times
  // slower, probably because a long wasm call started in baseline-compiled code stays there), then
  // `runs` timed loads of the last encoding.
  await fullGc();
  let loadOk = loadText(ad, bytes, end).ok;
  const load = [];
  const loadCpu = [];
  for (let r = 1; r <= runs; r++) {
    await fullGc();
    const ld = loadText(ad, bytes, end);
    loadOk = loadOk && ld.ok;
    load.push(ld.ms);
    loadCpu.push(ld.cpu);
  }
  const memJs = Math.round(median(memJsRuns));
  if (process.env.COMPARE_DEBUG) process.stderr.write(`${lib} mem_js per run: ${memJsRuns.join(' ')}\n`);

  const line = {
    lib,
    version,
    trace: name,
    edits,
    ok,
    local_ms: round(median(local)),
    encode_bytes: Math.round(median(sizes)),
    load_ms: round(median(load)),
    mem_bytes: Math.max(0, memJs) + memWasm, // memJs can come out slightly negative (GC noise)
    runs,
    // Extra fields, not in the C++ bench:
    local_cpu_ms: round(median(localCpu)),
    load_cpu_ms: round(median(loadCpu)),
    encode_ms: round(median(encode)),
    load_ok: loadOk,
    mem_js_bytes: memJs,
  };
  if (isWasm) line.mem_wasm_bytes = memWasm;
  send({ type: 'result', line });
}

// Synchronous helpers for the sequential measurement (see the note on `box` in child()).
function replayInto(box, ad, txns) {
  const c0 = process.cpuUsage();
  const t0 = now();
  box.doc = ad.replay(txns);
  const t1 = now();
  return { ms: t1 - t0, cpu: cpuSince(c0) };
}

function encodeAndRelease(box, ad, end) {
  const doc = box.doc;
  box.doc = null;
  const ok = ad.text(doc) === end;
  const t0 = now();
  const bytes = ad.encode(doc);
  const t1 = now();
  return { ok, bytes, ms: t1 - t0 };
}

function loadText(ad, bytes, end) {
  const c0 = process.cpuUsage();
  const t0 = now();
  const s = ad.load(bytes);
  const t1 = now();
  return { ok: s === end, ms: t1 - t0, cpu: cpuSince(c0) };
}

// --mode branches. Replays a concurrent trace with one replica per live branch, in trace order.
// A transaction takes over the replica of a parent whose last child it is (so a linear history
// edits one replica in place), otherwise it forks a parent's replica; the other parents are merged
// in. A replica is dropped when all children of its transaction have been replayed.
function replayBranches(c, trace) {
  const txns = trace.txns;
  const remaining = new Int32Array(txns.length);
  for (const t of txns) for (const p of t.parents) remaining[p]++;
  const docs = new Array(txns.length);
  let live = 0;
  let maxLive = 0;
  let forks = 0;
  let merges = 0;
  for (let i = 0; i < txns.length; i++) {
    const P = txns[i].parents;
    let doc;
    let base = -1;
    if (P.length === 0) {
      doc = c.create();
      live++;
    } else {
      for (const p of P) if (remaining[p] === 1) { base = p; break; }
      if (base >= 0) {
        doc = docs[base];
        docs[base] = undefined; // ownership moves to this transaction
      } else {
        base = P[0];
        doc = c.fork(docs[base]);
        forks++;
        live++;
      }
      for (const p of P) {
        if (p === base) continue;
        doc = c.merge(doc, docs[p]);
        merges++;
      }
      for (const p of P) {
        if (--remaining[p] === 0 && docs[p] !== undefined) {
          docs[p] = undefined;
          live--;
        }
      }
    }
    maxLive = Math.max(maxLive, live);
    docs[i] = c.edit(doc, txns[i].patches);
  }
  // Heads (transactions without children) together have seen everything: merge them.
  const heads = [];
  for (let i = 0; i < txns.length; i++) if (remaining[i] === 0 && docs[i] !== undefined) heads.push(docs[i]);
  let final = heads[0];
  for (let h = 1; h < heads.length; h++) final = c.merge(final, heads[h]);
  return { ok: c.text(final) === trace.endContent, replicas: maxLive, extra: { forks, merges } };
}

// --mode agents. One replica per agent (as if each agent were a device). Before an agent's
// transaction, its replica receives the updates of all ancestor transactions it has not seen yet,
// in trace order (a causal order), so that it is exactly in the state the parents describe; then
// it applies the transaction's patches and keeps the resulting update for the others. This needs
// every agent's previous transaction to be an ancestor of its next one (checked).
function replayAgents(c, trace) {
  const txns = trace.txns;
  const numAgents = trace.numAgents ?? 1 + Math.max(...txns.map((t) => t.agent));
  const root = c.create();
  const replicas = [];
  const has = [];
  const last = new Int32Array(numAgents).fill(-1);
  for (let a = 0; a < numAgents; a++) {
    replicas.push(c.fork(root));
    c.track(replicas[a]);
    has.push(new Uint8Array(txns.length));
  }
  const updates = new Array(txns.length);
  let delivered = 0;
  const stack = [];
  const missing = [];
  for (let i = 0; i < txns.length; i++) {
    const { agent, parents } = txns[i];
    const seen = has[agent];
    let sawLast = last[agent] < 0;
    missing.length = 0;
    for (const p of parents) stack.push(p);
    while (stack.length) {
      const x = stack.pop();
      if (seen[x]) {
        if (x === last[agent]) sawLast = true;
        continue;
      }
      seen[x] = 1;
      missing.push(x);
      for (const p of txns[x].parents) stack.push(p);
    }
    if (!sawLast) throw new Error(`agents mode: txn ${i} does not descend from agent ${agent}'s previous txn`);
    let doc = replicas[agent];
    if (missing.length) {
      missing.sort((x, y) => x - y);
      const list = [];
      for (const x of missing) if (updates[x] !== null) list.push(updates[x]);
      if (list.length) doc = c.applyUpdates(doc, list);
      delivered += missing.length;
    }
    const before = c.lastUpdate(doc);
    doc = c.edit(doc, txns[i].patches);
    const u = c.lastUpdate(doc);
    updates[i] = u === before ? null : u; // a transaction that changed nothing produced no update
    seen[i] = 1;
    last[agent] = i;
    replicas[agent] = doc;
  }
  // Bring every replica up to date and check that they all converge on endContent.
  let ok = true;
  for (let a = 0; a < numAgents; a++) {
    const seen = has[a];
    const rest = [];
    for (let i = 0; i < txns.length; i++) if (!seen[i] && updates[i] !== null) rest.push(updates[i]);
    let doc = replicas[a];
    if (rest.length) doc = c.applyUpdates(doc, rest);
    delivered += rest.length;
    ok = ok && c.text(doc) === trace.endContent;
  }
  return { ok, replicas: numAgents, extra: { updates_applied: delivered } };
}

// ---------------------------------------------------------------------------------------------
// Parent: one child per library, in sequence

function runChild(o, lib) {
  return new Promise((resolve) => {
    const args = ['--expose-gc', SELF, o.trace, '--child', lib, '--runs', String(o.libRuns[lib] ?? o.runs)];
    if (o.concurrent) args.push('--concurrent', '--mode', o.mode);
    const cp = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let timer = null;
    let result = null;
    let killedFor = null;
    let lastRun = 0;
    cp.on('message', (m) => {
      if (m.type === 'run_start') {
        lastRun = m.run;
        clearTimeout(timer);
        timer = setTimeout(() => {
          killedFor = `replay run ${m.run} took longer than ${o.limitS} s`;
          cp.kill('SIGKILL');
        }, o.limitS * 1000);
      } else if (m.type === 'run_end') {
        clearTimeout(timer);
        timer = null;
      } else if (m.type === 'result') result = m.line;
    });
    cp.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (result) return resolve(result);
      const reason = killedFor ?? `child exited with ${signal ?? `code ${code}`} (run ${lastRun})`;
      process.stderr.write(`compare.mjs: skipping ${lib}: ${reason}\n`);
      resolve({ lib, version: safeVersion(lib), trace: path.basename(o.trace).replace(/\.json\.gz$/, ''), skipped: reason });
    });
  });
}

function safeVersion(lib) {
  try {
    return packageVersion(PACKAGES[lib]);
  } catch {
    return 'unknown';
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.child) return child(o);
  loadTrace(o.trace, o.concurrent); // validate once, before starting any child
  for (const lib of o.libs) {
    const line = await runChild(o, lib);
    process.stdout.write(JSON.stringify(line) + '\n');
  }
}

main().catch((e) => {
  process.stderr.write(`compare.mjs: ${(process.env.COMPARE_DEBUG && e.stack) || e.message || e}\n`);
  process.exit(1);
});
