// The project pins Node 24 in node_modules (the `node` package) because the system Node may be older.
// npm scripts put node_modules/.bin first on PATH; if that ever stops being true, fail loudly here
// rather than with an obscure engine error deep inside Colyseus or vitest.
const major = Number(process.versions.node.split(".")[0]);
if (major !== 24) {
  console.error(`Container City needs Node 24 (found ${process.version}). Run it through npm scripts after npm install.`);
  process.exit(1);
}
console.log(`node ${process.version}`);
