// Validates Adaptive Cards with the official adaptivecards package
// (npm adaptivecards@3.0.6): node acvalidate.js <dist/adaptivecards.js> card.json...
// It parses each card as schema 1.5 under a Teams-like host config (six
// actions) and prints every parse or validation event; exit status 1 when
// any card has one. Used by TestOfficialValidator (opt-in, see there).
const AC = require(process.argv[2]);
const fs = require("fs");
let bad = 0;
for (const f of process.argv.slice(3)) {
  const ctx = new AC.SerializationContext(new AC.Version(1, 5));
  const card = new AC.AdaptiveCard();
  card.hostConfig = new AC.HostConfig({ supportsInteractivity: true, actions: { maxActions: 6 } });
  card.parse(JSON.parse(fs.readFileSync(f, "utf8")), ctx);
  const errs = [];
  for (let i = 0; i < ctx.eventCount; i++) errs.push("parse: " + ctx.getEventAt(i).message);
  for (const e of card.validateProperties().validationEvents) errs.push("validate: " + e.message);
  if (errs.length) {
    bad++;
    console.log(f + "\n  " + errs.join("\n  "));
  }
}
process.exit(bad ? 1 : 0);
