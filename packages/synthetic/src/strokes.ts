/**
 * Neurite-like random walks: a trunk from an optional cell body, side branches, and
 * tufts of short twigs at branch ends, as in light-microscopy neuron images. Direction,
 * depth and brightness all change smoothly along a stroke, so a stroke's colour drifts
 * through neighbouring LUT entries the way a real neurite's depth does.
 *
 * Only +, −, ×, ÷, √ and rounding are used, never trig or logs: those are correctly
 * rounded IEEE operations on every engine and CPU, while sin or log may differ in the
 * last bit, so the same seed draws the same pixels everywhere.
 */
import type { Canvas, StampStyle } from "./canvas.ts";
import { MAX_SOMA_RADIUS, stampSoma, stampStroke } from "./canvas.ts";
import type { Domain } from "./layout.ts";
import type { Prng } from "@cds/core";
import type { Lut } from "@cds/core/image";

/** Where a walk may place stroke centres, beyond the domain (e.g. away from a planted copy). */
export type Blocked = (x: number, y: number) => boolean;

interface Branch {
  x: number;
  y: number;
  ux: number;
  uy: number;
  z: number;
  brightness: number;
  thickness: number;
  level: number;
  length: number;
}

// Per branching level: length range (steps ≈ px), chance per step of a side branch, and
// chance of a terminal tuft. Deeper levels are shorter, thinner and bushier.
const LEVELS = [
  { minLength: 120, maxLength: 420, branchChance: 0.02, tuftChance: 0.6 },
  { minLength: 30, maxLength: 160, branchChance: 0.04, tuftChance: 0.4 },
  { minLength: 8, maxLength: 50, branchChance: 0.06, tuftChance: 0 },
  { minLength: 4, maxLength: 20, branchChance: 0, tuftChance: 0 },
] as const;

// Pixels advanced per stamp, by stroke thickness (index); consecutive stamps stay 8-connected.
const STEP_LENGTH = [1, 1, 1.5, 2] as const;

const MIN_BRIGHTNESS = 0.4;
const MAX_BRIGHTNESS = 1.0;

/** Where a neuron started, so more primary neurites can grow from the same cell body. */
export interface NeuronRoot {
  x: number;
  y: number;
  z: number;
  halo: number;
}

/**
 * Draws one neuron with max projection into `canvas`, stopping early once `canvas.lit`
 * reaches `litBudget`. With `root`, draws one more primary neurite from that neuron's cell
 * body instead of a new neuron. Returns the root, or undefined when no free start point
 * was found.
 */
export function drawNeuron(canvas: Canvas, rng: Prng, lut: Lut, domain: Domain, litBudget: number,
  blocked?: Blocked, root?: NeuronRoot): NeuronRoot | undefined {
  const free = (x: number, y: number): boolean => domain.contains(x, y) && !(blocked?.(x, y) ?? false);

  if (root === undefined) {
    for (let attempt = 0; attempt < 200 && root === undefined; attempt++) {
      const x = rng.int(0, domain.width - 1);
      const y = rng.int(0, domain.height - 1);
      if (free(x, y)) root = { x, y, z: rng.range(10, 245), halo: rng.range(0.1, 0.35) };
    }
    if (root === undefined) return undefined;
    if (rng.chance(0.5)) {
      // The cell body sits at the root's depth, with a soma's typical full brightness.
      const style = { z: root.z, brightness: rng.range(0.8, MAX_BRIGHTNESS), halo: root.halo };
      stampSoma(canvas, root.x, root.y, rng.int(3, MAX_SOMA_RADIUS), lut, style);
    }
  }

  const b0 = rng.range(0.6, MAX_BRIGHTNESS);
  const [ux, uy] = randomDirection(rng);
  const stack: Branch[] = [{
    x: root.x, y: root.y, ux, uy, z: root.z, brightness: b0,
    thickness: rng.pick([2, 3, 3]), level: 0,
    length: rng.int(LEVELS[0].minLength, LEVELS[0].maxLength),
  }];
  const style: StampStyle = { z: root.z, brightness: b0, halo: root.halo };

  while (stack.length > 0) {
    const branch = stack.pop()!;
    if (!walk(canvas, rng, lut, branch, style, free, litBudget, stack)) break;
  }
  return root;
}

/** Walks one branch; pushes its side branches; false when the lit budget is used up. */
function walk(canvas: Canvas, rng: Prng, lut: Lut, branch: Branch, style: StampStyle,
  free: (x: number, y: number) => boolean, litBudget: number, stack: Branch[]): boolean {
  const level = LEVELS[branch.level];
  let { x, y, ux, uy, z, brightness } = branch;
  let curvature = 0;
  let vz = rng.range(-0.8, 0.8);
  let targetBrightness = brightness;
  let segmentLeft = 0;
  let bounces = 0;

  // Thick strokes advance further per stamp: their footprints still overlap, and it
  // halves the pixel writes where most of the pixels are. Per-step changes scale with it.
  const stepLength = STEP_LENGTH[branch.thickness];
  const steps = Math.round(branch.length / stepLength);
  const branchChance = level.branchChance * stepLength;
  const ease = 0.08 * stepLength;
  for (let step = 0; step < steps; step++) {
    curvature = curvature * 0.85 + rng.range(-0.05, 0.05);
    // Rotate by ≈curvature radians and renormalise; inline because this runs per stamp.
    const turn = curvature * stepLength;
    const tx = ux - uy * turn;
    const ty = uy + ux * turn;
    const len = Math.sqrt(tx * tx + ty * ty);
    ux = tx / len;
    uy = ty / len;
    const nx = x + ux * stepLength;
    const ny = y + uy * stepLength;
    if (!free(Math.round(nx), Math.round(ny))) {
      // Turn back into the brain instead of stopping, like neurites that follow a border.
      if (++bounces > 6) break;
      [ux, uy] = normalise(-ux + rng.range(-0.7, 0.7), -uy + rng.range(-0.7, 0.7));
      curvature = 0;
      continue;
    }
    x = nx;
    y = ny;

    vz = vz * 0.96 + rng.range(-0.12, 0.12);
    z += vz * stepLength;
    if (z < 0 || z > 255) {
      vz = -vz;
      z = z < 0 ? -z : 510 - z;
    }

    // Brightness varies per segment (labelling is uneven along a neurite) but eases
    // towards each new level rather than jumping.
    segmentLeft -= stepLength;
    if (segmentLeft <= 0) {
      segmentLeft = rng.int(15, 60);
      targetBrightness = rng.range(MIN_BRIGHTNESS, MAX_BRIGHTNESS);
    }
    brightness += (targetBrightness - brightness) * ease;

    style.z = z;
    style.brightness = brightness;
    stampStroke(canvas, Math.round(x), Math.round(y), branch.thickness, lut, style);
    if (canvas.lit >= litBudget) return false;

    if (branchChance > 0 && rng.chance(branchChance)) {
      stack.push(sideBranch(rng, x, y, ux, uy, z, brightness, branch, 1));
    }
  }

  if (level.tuftChance > 0 && rng.chance(level.tuftChance)) {
    const twigs = rng.int(3, 7);
    for (let t = 0; t < twigs; t++) stack.push(sideBranch(rng, x, y, ux, uy, z, brightness, branch, 2));
  }
  return true;
}

function sideBranch(rng: Prng, x: number, y: number, ux: number, uy: number, z: number, brightness: number,
  parent: Branch, levelStep: number): Branch {
  const levelIndex = Math.min(LEVELS.length - 1, parent.level + levelStep);
  const level = LEVELS[levelIndex];
  // Rotate by 25°–80° to either side: cos in [0.17, 0.9], sin from it.
  const c = rng.range(0.17, 0.9);
  const s = Math.sqrt(1 - c * c) * (rng.chance(0.5) ? 1 : -1);
  return {
    x, y,
    ux: ux * c - uy * s,
    uy: uy * c + ux * s,
    z,
    brightness,
    thickness: rng.chance(0.7) ? Math.max(1, parent.thickness - 1) : parent.thickness,
    level: levelIndex,
    length: rng.int(level.minLength, level.maxLength),
  };
}

function randomDirection(rng: Prng): [number, number] {
  for (;;) {
    const x = rng.range(-1, 1);
    const y = rng.range(-1, 1);
    const d = x * x + y * y;
    if (d > 0.01 && d <= 1) return normalise(x, y);
  }
}

function normalise(x: number, y: number): [number, number] {
  const d = Math.sqrt(x * x + y * y);
  return d > 0 ? [x / d, y / d] : [1, 0];
}
