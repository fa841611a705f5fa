'use strict';
// Stands in for undici/lib/web/fetch/body.js in the extension bundle (webpack.config.js): undici's clients load it only
// to encode a FormData or Blob request body, which this extension never sends (jar uploads stream a hand-built multipart body).
function extractBody() {
  throw new Error('FormData and Blob request bodies are not bundled in the Flink on Mesos extension: send a string, Buffer or stream body.');
}
module.exports = { extractBody, safelyExtractBody: extractBody };
