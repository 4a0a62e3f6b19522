// Starts Swagger UI on the API reference page. A static file, because the Content-Security-Policy
// allows no inline script; the page passes the schema URL and CSRF token as data attributes.
"use strict";

(function () {
  const root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  const csrfToken = root.dataset.csrfToken;
  window.SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    domNode: root,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    persistAuthorization: false,
    requestInterceptor: function (request) {
      // Writes from the page go out with the signed-in session, which Django protects with CSRF.
      const method = (request.method || "GET").toUpperCase();
      if (!["GET", "HEAD", "OPTIONS"].includes(method) && csrfToken) {
        request.headers["X-CSRFToken"] = csrfToken;
      }
      return request;
    },
  });
})();
