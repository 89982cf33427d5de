using System.Net.Http.Headers;
using System.Text;

namespace TrialManager.Tests.Integration.Http;

/// <summary>Every error is RFC 9457 problem details with a request id, whatever produced it.</summary>
public sealed class ProblemDetailsTests : IntegrationTest
{
    private static void AssertProblem(ApiResponse response, int status)
    {
        Assert.Multiple(() =>
        {
            Assert.That(response.Code, Is.EqualTo(status), response.ToString());
            Assert.That(response.ContentType, Is.EqualTo("application/problem+json"));
            Assert.That(response.Json?["status"]?.GetValue<int>(), Is.EqualTo(status));
            Assert.That(response.Json?["title"]?.GetValue<string>(), Is.Not.Empty);
            Assert.That(response.Json?["requestId"]?.GetValue<string>(), Is.Not.Empty);
            Assert.That(response.Json?["traceId"]?.GetValue<string>(), Is.Not.Empty);
        });
    }

    [Test]
    public async Task Malformed_json_is_a_400_that_says_where()
    {
        var response = await Api.SendRaw(HttpMethod.Post, "/trials", "{\"code\": \"X\", ", Admin);
        AssertProblem(response, 400);
        Assert.That(response["detail"].GetValue<string>(), Does.Contain("line 1"));
    }

    [Test]
    public async Task A_value_of_the_wrong_type_names_the_field()
    {
        var response = await Api.SendRaw(HttpMethod.Post, "/trials", "{\"code\": \"X\", \"title\": \"t\", \"arms\": [{\"code\": \"a\", \"ratio\": \"two\"}]}", Admin);
        AssertProblem(response, 400);
        Assert.That(response["errors"]["arms[0].ratio"], Is.Not.Null, response.ToString());
    }

    [Test]
    public async Task An_unknown_route_is_a_404_problem()
    {
        AssertProblem(await Api.Get("/no-such-route", Admin), 404);
        AssertProblem(await Api.Get("/no-such-route"), 404);
    }

    [Test]
    public async Task A_wrong_method_is_a_405_problem()
    {
        var response = await Api.Delete("/trials", Admin);
        AssertProblem(response, 405);
    }

    [Test]
    public async Task A_body_over_the_limit_is_a_413_problem()
    {
        var huge = "{\"code\": \"" + new string('x', 2 * 1024 * 1024) + "\"}";
        AssertProblem(await Api.SendRaw(HttpMethod.Post, "/trials", huge, Admin), 413);
    }

    [Test]
    public async Task A_body_that_is_not_json_is_a_415_problem()
    {
        AssertProblem(await Api.SendRaw(HttpMethod.Post, "/trials", "code=X", Admin, "text/plain"), 415);
    }

    [Test]
    public async Task A_missing_body_is_a_400_problem()
    {
        var response = await Api.Send(HttpMethod.Post, "/trials", new StringContent("", Encoding.UTF8, MediaTypeHeaderValue.Parse("application/json")), Admin);
        AssertProblem(response, 400);
    }

    [Test]
    public async Task The_callers_request_id_is_echoed_and_quoted_in_problems()
    {
        var response = await Api.Send(HttpMethod.Get, "/no-such-route", null, Admin, r => r.Headers.Add("X-Request-Id", "req-42"));
        Assert.That(response.Headers.GetValues("X-Request-Id").Single(), Is.EqualTo("req-42"));
        Assert.That(response["requestId"].GetValue<string>(), Is.EqualTo("req-42"));
    }
}
