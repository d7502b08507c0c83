// Every Kie.ai API family the action can wait for, by the `api` input's value. Adding a family is
// one module beside this file and one line here.
import { fourOImage } from './4o-image.js';
import type { ApiFamily } from './family.js';
import { fluxKontext } from './flux-kontext.js';
import { luma } from './luma.js';
import { market } from './market.js';
import { midjourney } from './midjourney.js';
import { runwayAleph } from './runway-aleph.js';
import { runway } from './runway.js';
import {
  suno,
  sunoCover,
  sunoLyrics,
  sunoMidi,
  sunoMp4,
  sunoVocalRemoval,
  sunoWav,
} from './suno.js';
import { sunoVoice, sunoVoiceValidate } from './suno-voice.js';
import { veo } from './veo.js';

export type { ApiFamily, CreateRequest } from './family.js';

const FAMILIES = [
  market,
  veo,
  runway,
  runwayAleph,
  suno,
  sunoLyrics,
  sunoWav,
  sunoVocalRemoval,
  sunoMp4,
  sunoMidi,
  sunoCover,
  sunoVoice,
  sunoVoiceValidate,
  fourOImage,
  fluxKontext,
  midjourney,
  luma,
];

export const API_NAMES = FAMILIES.map((family) => family.name);
export const DEFAULT_API = market.name;

/** The family for an `api` value, or undefined for one the action does not know. */
export function apiFamily(name: string): ApiFamily | undefined {
  return FAMILIES.find((family) => family.name === name);
}
