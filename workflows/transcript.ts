import { type CarriedState, TRANSCRIPT_MEMORY } from './definitions';

/** Adds an entry to the transcript the workflow keeps for its `transcript` query (the last TRANSCRIPT_MEMORY). */
export function remember(state: CarriedState, entry: CarriedState['transcript'][number]): void {
  state.transcript.push(entry);
  if (state.transcript.length > TRANSCRIPT_MEMORY) state.transcript.splice(0, state.transcript.length - TRANSCRIPT_MEMORY);
}
