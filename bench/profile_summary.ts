/**
 * Summarises a V8 `.cpuprofile` (from `deno run --cpu-prof`): the functions with the most
 * self time, with their share of all samples.
 *
 * Run: `deno run -A bench/profile_summary.ts PROFILE.cpuprofile [top=25]`.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One line of the summary. */
export interface HotSpot {
  name: string;
  where: string;
  selfMs: number;
  share: number;
}

/** The `top` functions by self time. */
export function hotSpots(profile: CpuProfile, top: number): HotSpot[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, { name: string; where: string; us: number }>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const delta = profile.timeDeltas[i] ?? 0;
    if (!node) return;
    total += delta;
    const frame = node.callFrame;
    const file = frame.url.replace(/^.*\/(lib|bench|node_modules|ext)\//, "$1/");
    const where = frame.url === "" ? "" : `${file}:${frame.lineNumber + 1}`;
    const name = frame.functionName || "(anonymous)";
    const key = `${name}@${where}`;
    const entry = selfUs.get(key) ?? { name, where, us: 0 };
    entry.us += delta;
    selfUs.set(key, entry);
  });
  return [...selfUs.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({
      name: e.name,
      where: e.where,
      selfMs: Math.round(e.us / 1000),
      share: Math.round((e.us / Math.max(total, 1)) * 1000) / 10,
    }));
}

if (import.meta.main) {
  const [path, topArg] = Deno.args;
  if (!path) {
    console.error("usage: profile_summary.ts PROFILE.cpuprofile [top]");
    Deno.exit(2);
  }
  const profile = JSON.parse(await Deno.readTextFile(path)) as CpuProfile;
  for (const spot of hotSpots(profile, Number(topArg ?? 25))) {
    console.log(
      `${String(spot.share).padStart(5)}%  ${
        String(spot.selfMs).padStart(6)
      } ms  ${spot.name}  ${spot.where}`,
    );
  }
}
