// Parses an AsyncAPI document with the AsyncAPI project's own parser and prints its errors
// and counts as one JSON line (for cli/tests/asyncapi.rs).
const { Parser, fromFile } = require('@asyncapi/parser');
(async () => {
  const parser = new Parser();
  const { document, diagnostics } = await fromFile(parser, process.argv[2]).parse();
  const errors = diagnostics.filter(d => d.severity === 0).map(d => `${d.path.join('/')}: ${d.message}`);
  const out = { errors };
  if (document) {
    out.channels = document.channels().length;
    out.messages = document.components().messages().length;
    out.operations = document.operations().length;
    out.send = document.operations().filterBySend().length;
    out.receive = document.operations().filterByReceive().length;
    out.addresses = document.channels().all().map(c => c.address()).sort();
  }
  console.log(JSON.stringify(out));
})().catch(e => { console.error(e); process.exit(3); });
