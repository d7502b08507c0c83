// What kind of media a task makes, from its model's name or its API family. Typical durations
// differ tenfold between kinds (speech and images in seconds, music and video in minutes), so the
// schedule need not ask a video task every few seconds in its first half minute.

export type ModelClass = 'image' | 'video' | 'music' | 'speech' | 'unknown';

// Checked in order: "text-to-speech" is speech before "audio" makes it music, and a video model
// named after an image one ("image-to-video") is video.
const KEYWORDS: [ModelClass, RegExp][] = [
  ['speech', /speech|tts|voice|whisper|transcri|dialogue|elevenlabs/],
  ['video', /video|veo|runway|aleph|luma|kling|sora|hailuo|seedance|wan\d|wan-|mp4/],
  ['music', /suno|music|song|audio|sound|udio|lyrics|midi|wav|vocal|cover/],
  ['image', /image|banana|flux|midjourney|imagen|seedream|ideogram|recraft|4o|upscale|photo/],
];

/** The class of a model name or API family name (`veo`, `suno` ...); 'unknown' when nothing fits. */
export function modelClass(...names: (string | undefined)[]): ModelClass {
  for (const name of names) {
    const lower = name?.toLowerCase() ?? '';
    const found = KEYWORDS.find(([, pattern]) => pattern.test(lower));
    if (found) return found[0];
  }
  return 'unknown';
}
