using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace TrialManager.Tests.Integration.Http;

public sealed class OpenApiAndHealthTests : IntegrationTest
{
    [Test]
    public async Task Liveness_and_readiness_answer_without_a_token()
    {
        var ready = await Api.Get("/health/ready");
        Assert.That((await Api.Get("/health/live")).Code, Is.EqualTo(200));
        Assert.That(ready.Code, Is.EqualTo(200));
        Assert.That(ready["checks"]["database"]!["status"]!.GetValue<string>(), Is.EqualTo("healthy"));
    }

    [Test]
    public async Task Swagger_ui_is_served()
    {
        var ui = await Api.Get("/swagger/index.html");
        Assert.That(ui.Code, Is.EqualTo(200));
        Assert.That(ui.Body, Does.Contain("swagger-ui"));
    }

    [Test]
    public async Task The_openapi_document_describes_every_api_route_with_the_bearer_scheme_and_its_errors()
    {
        var document = (await Api.Get("/swagger/v1/swagger.json")).Json!;
        Assert.That(document["components"]!["securitySchemes"]!["bearer"]!["scheme"]!.GetValue<string>(), Is.EqualTo("bearer"));
        var routes = TestHost.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => (Method: m.ToLowerInvariant(),
                Path: e.RoutePattern.RawText!.Replace(":guid", ""), TakesBody: e.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>() is not null)))
            .ToList();
        Assert.That(routes, Has.Count.GreaterThan(20));
        foreach (var (method, path, takesBody) in routes)
        {
            var operation = document["paths"]?[path]?[method];
            Assert.That(operation, Is.Not.Null, $"{method} {path} is in the document");
            var responses = operation!["responses"]!.AsObject().Select(p => p.Key).ToList();
            Assert.That(responses, Is.SupersetOf(new[] { "401", "429", "500" }), $"{method} {path}");
            Assert.That(responses.Any(r => r.StartsWith('2')), $"{method} {path} documents its success");
            // Sign-in alone takes its credential in the body, and says it needs none in a header.
            if (method == "post" && path == "/api/v1/sessions")
                Assert.That(operation["security"]!.AsArray(), Is.Empty, "sign-in needs no bearer token");
            else
                Assert.That(operation["security"]!.AsArray(), Is.Not.Empty, $"{method} {path} needs the bearer token");
            if (takesBody)
            {
                Assert.That(operation["requestBody"], Is.Not.Null, $"{method} {path} documents its body");
                Assert.That(responses, Does.Contain("422").Or.Contain("400"), $"{method} {path} documents validation errors");
            }
        }
    }

    [Test]
    public async Task The_session_cookie_is_a_second_scheme_and_every_write_says_it_needs_the_anti_forgery_header()
    {
        var document = (await Api.Get("/swagger/v1/swagger.json")).Json!;
        var session = document["components"]!["securitySchemes"]!["session"]!;
        Assert.Multiple(() =>
        {
            Assert.That(session["type"]!.GetValue<string>(), Is.EqualTo("apiKey"));
            Assert.That(session["in"]!.GetValue<string>(), Is.EqualTo("cookie"));
            Assert.That(session["name"]!.GetValue<string>(), Is.EqualTo("tm_session"));
            Assert.That(session["description"]!.GetValue<string>(), Does.Contain("X-CSRF-Token"));
        });
        foreach (var (path, item) in document["paths"]!.AsObject())
            foreach (var (method, operation) in item!.AsObject())
            {
                var security = operation!["security"]!.AsArray();
                if (security.Count == 0)
                    continue;
                // Alternatives: either credential alone is enough.
                Assert.That(security.Select(s => string.Join("+", s!.AsObject().Select(p => p.Key))), Is.EquivalentTo(new[] { "bearer", "session" }),
                    $"{method} {path}");
                var csrf = operation["parameters"]?.AsArray().SingleOrDefault(p => p!["name"]!.GetValue<string>() == "X-CSRF-Token");
                if (method == "get")
                {
                    Assert.That(csrf, Is.Null, $"{method} {path}: a read needs no anti-forgery token");
                    continue;
                }
                Assert.That(csrf, Is.Not.Null, $"{method} {path} documents X-CSRF-Token");
                Assert.Multiple(() =>
                {
                    Assert.That(csrf!["in"]!.GetValue<string>(), Is.EqualTo("header"));
                    Assert.That(csrf["required"]?.GetValue<bool>() ?? false, Is.False, "a bearer request needs none");
                    Assert.That(operation["responses"]!.AsObject().Select(r => r.Key), Does.Contain("403"), $"{method} {path}: refused without it");
                });
            }
    }

    [Test]
    public async Task Enumerations_are_documented_as_the_words_the_api_uses()
    {
        var document = (await Api.Get("/swagger/v1/swagger.json")).Json!;
        var schemas = document["components"]!["schemas"]!.AsObject();
        var status = schemas.Single(s => s.Key.EndsWith("TrialStatus", StringComparison.Ordinal)).Value!;
        Assert.That(status["enum"]!.AsArray().Select(v => v!.GetValue<string>()), Is.EqualTo(new[] { "setup", "recruiting", "follow-up", "locked" }));
    }
}
