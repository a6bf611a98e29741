/** A clock that moves only when the test says so: runtimes take its `now` instead of `Date.now`. The simulator's own. */
export { manualClock, type ManualClock } from '../../../tools/salesforce-sim';
