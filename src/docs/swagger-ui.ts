import {
  assetFromBuffer,
  assetsFrom,
  docsContentSecurityPolicy,
  swaggerUiDistDir,
  type StaticAsset,
} from './static-assets.js';

export const DOCS_PATH = '/docs';
export const OPENAPI_JSON_PATH = `${DOCS_PATH}/openapi.json`;

/** Files of `swagger-ui-dist` the page loads; all served from `/docs/…`. */
export const SWAGGER_UI_FILES = [
  'swagger-ui.css',
  'swagger-ui-bundle.js',
  'favicon-32x32.png',
  'favicon-16x16.png',
];

/** No inline script: the initializer is a file of its own, so the page's CSP needs no hashes. */
export const SWAGGER_UI_CSP = docsContentSecurityPolicy();

const INITIALIZER = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: ${JSON.stringify(OPENAPI_JSON_PATH)},
    dom_id: '#swagger-ui',
    deepLinking: true,
    displayOperationId: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
`;

export function swaggerUiHtml(): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>OSS Replication Gateway — REST API</title>
  <link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css">
  <link rel="icon" type="image/png" href="${DOCS_PATH}/favicon-32x32.png" sizes="32x32">
  <link rel="icon" type="image/png" href="${DOCS_PATH}/favicon-16x16.png" sizes="16x16">
  <style>body { margin: 0; background: #fafafa; }</style>
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${DOCS_PATH}/swagger-ui-bundle.js"></script>
  <script src="${DOCS_PATH}/swagger-initializer.js"></script>
</body>
</html>
`;
}

/** Swagger UI's files plus our initializer, keyed by URL path. */
export function loadSwaggerUiAssets(): Map<string, StaticAsset> {
  const assets = assetsFrom(swaggerUiDistDir(), DOCS_PATH, SWAGGER_UI_FILES);
  assets.set(
    `${DOCS_PATH}/swagger-initializer.js`,
    assetFromBuffer(Buffer.from(INITIALIZER), 'application/javascript; charset=utf-8'),
  );
  return assets;
}
