// A local S3-compatible server for the tests: s3rver on a free port of 127.0.0.1, keeping its objects in the given
// folder, with the given bucket. Prints "listening <port>" once it serves.
//   node server.js <folder> <bucket>
// s3rver has no AbortMultipartUpload (DELETE /{bucket}/{key}?uploadId=...); this adds it as S3 does it, removing
// the upload's stored parts, so that the tests can see an aborted upload leave nothing behind.
'use strict';
const fs = require('fs/promises');
const path = require('path');
const S3rver = require('s3rver');

const [directory, bucket] = process.argv.slice(2);
if (!directory || !bucket) {
  console.error('usage: node server.js <folder> <bucket>');
  process.exit(2);
}
const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: bucket }] });

server.middleware.unshift(async (ctx, next) => {
  const uploadId = ctx.query.uploadId;
  if (ctx.method !== 'DELETE' || typeof uploadId !== 'string') return next();
  const [, bucketName] = ctx.path.split('/');
  const upload = path.join(server.store.getResourcePath(bucketName, undefined, 'uploads'), path.basename(uploadId));
  try {
    await fs.access(upload);
  } catch {
    ctx.status = 404;
    ctx.type = 'application/xml';
    ctx.body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>';
    return;
  }
  await fs.rm(upload, { recursive: true, force: true });
  ctx.status = 204;
});

server.run().then(
  ({ port }) => console.log(`listening ${port}`),
  error => {
    console.error(error);
    process.exit(1);
  },
);
