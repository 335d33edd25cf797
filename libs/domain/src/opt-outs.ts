import { instantMs } from './time';
import type { Channel, ChannelScope, Purpose, PurposeScope } from './vocabulary';

/** An opt-out or opt-in for one (purpose, channel) key, either of which may be '*'. */
export interface ScopedChoice {
  purpose: PurposeScope;
  channel: ChannelScope;
  choice: 'opt-out' | 'opt-in';
  effectiveAt: string;
  recordedAt: string;
}

/** Does a key stop a message of this purpose on this channel? Only its own purpose or '*' (C4). */
export function keyCovers(key: { purpose: PurposeScope; channel: ChannelScope }, purpose: Purpose, channel: Channel): boolean {
  return (key.purpose === '*' || key.purpose === purpose) && (key.channel === '*' || key.channel === channel);
}

/** Do two keys share any (purpose, channel)? */
export function keysOverlap(
  a: { purpose: PurposeScope; channel: ChannelScope },
  b: { purpose: PurposeScope; channel: ChannelScope },
): boolean {
  return (
    (a.purpose === '*' || b.purpose === '*' || a.purpose === b.purpose) &&
    (a.channel === '*' || b.channel === '*' || a.channel === b.channel)
  );
}

/**
 * C7: for each (purpose, channel) key the latest fact by effectiveAt decides (ties: the later
 * recorded, then the later in the stream), whatever order the reports arrived in. Only facts
 * known at `knownAt` and in effect at `asOf` count. Returns the opt-outs in force among the keys
 * `relevant` selects.
 */
export function optOutsInForce<T extends ScopedChoice>(
  facts: readonly T[],
  relevant: (key: { purpose: PurposeScope; channel: ChannelScope }) => boolean,
  asOf: string,
  knownAt: string,
): T[] {
  const asOfMs = instantMs(asOf);
  const knownAtMs = instantMs(knownAt);
  const latest = new Map<string, { fact: T; eff: number; rec: number }>();
  for (const fact of facts) {
    if (!relevant(fact)) continue;
    const rec = instantMs(fact.recordedAt);
    const eff = instantMs(fact.effectiveAt);
    if (!(rec <= knownAtMs) || !(eff <= asOfMs)) continue;
    const key = `${fact.purpose}\u0000${fact.channel}`;
    const current = latest.get(key);
    // `>=` keeps the later one in stream order on a full tie.
    if (!current || eff > current.eff || (eff === current.eff && rec >= current.rec)) {
      latest.set(key, { fact, eff, rec });
    }
  }
  return [...latest.values()].filter((l) => l.fact.choice === 'opt-out').map((l) => l.fact);
}
