// Starts the API documentation viewer the page names (Swagger UI or ReDoc), both served by
// spacemap itself. No inline script, so the pages run under the site's Content-Security-Policy.
(function () {
  var el = document.getElementById("api-docs");
  if (!el) return;
  var url = el.dataset.openapiUrl;
  if (el.dataset.viewer === "swagger-ui") {
    window.ui = SwaggerUIBundle({
      url: url,
      dom_id: "#api-docs",
      deepLinking: true,
      validatorUrl: null, // the default asks validator.swagger.io: nothing leaves the machine
      oauth2RedirectUrl: window.location.origin + el.dataset.oauth2RedirectUrl,
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
    });
  } else if (el.dataset.viewer === "redoc") {
    // Search runs in a worker made from a blob: URL, which the CSP's script-src does not allow.
    Redoc.init(url, { disableSearch: true, expandResponses: "200" }, el);
  }
})();
