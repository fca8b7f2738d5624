// Preloaded (`node --require`) into the processes of a docs example marked `on <time>`: their clock
// reads that instant. A restore names a moment, valid only inside the source's retention window:
// the README's restore examples are run on the day after their story's migration, as a reader
// on that day would run them. Time is the one thing no test can take for real.
const fixed = Date.parse(process.env.FIXED_CLOCK ?? '');
if (Number.isNaN(fixed)) throw new Error(`FIXED_CLOCK must be an RFC 3339 time, got ${JSON.stringify(process.env.FIXED_CLOCK)}`);
const RealDate = Date;
function FixedDate(...args) {
  if (new.target === undefined) return new RealDate(fixed).toString();
  return Reflect.construct(RealDate, args.length === 0 ? [fixed] : args, new.target);
}
FixedDate.prototype = RealDate.prototype;
Object.setPrototypeOf(FixedDate, RealDate);
FixedDate.now = () => fixed;
globalThis.Date = FixedDate;
