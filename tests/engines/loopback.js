// Preloaded into Comunica's endpoint (node --require): its server.listen(port) would bind every
// interface and it has no option to choose one; a listen given only a port binds 127.0.0.1.
const net = require("net");
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number" && (args.length === 1 || typeof args[1] === "function")) {
    args.splice(1, 0, "127.0.0.1");
  }
  return listen.apply(this, args);
};
