'use strict';
// Stands in for undici/lib/dispatcher/client-h2.js in the extension bundle (webpack.config.js): undici uses HTTP/2 only
// when a dispatcher is created with allowH2, which this extension never does (Mesos and Flink speak HTTP/1.1).
module.exports = function connectH2() {
  throw new Error('HTTP/2 is not bundled in the Flink on Mesos extension: create the undici dispatcher without allowH2.');
};
