using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TrialManager.Tests.Integration;

/// <summary>An answer from the API: status, headers, raw body and the body parsed as JSON when it is JSON.</summary>
public sealed record ApiResponse(HttpStatusCode Status, string Body, JsonNode? Json, HttpResponseHeaders Headers, string? ContentType)
{
    public int Code => (int)Status;

    public JsonNode this[string property] => Json?[property] ?? throw new AssertionException($"No '{property}' in {this}");

    public Guid Id => this["id"].GetValue<Guid>();

    public override string ToString() => $"{Code} {Body[..Math.Min(Body.Length, 600)]}";
}

/// <summary>Talks to the running API over HTTP. Paths starting with /api, /health, /swagger, /hangfire or /app/ are used as they are;
/// other paths are under /api/v1.</summary>
public sealed class ApiClient(HttpClient http)
{
    public HttpClient Http => http;

    public Task<ApiResponse> Get(string path, string? token = null) => Send(HttpMethod.Get, path, null, token);
    public Task<ApiResponse> Post(string path, object? body, string? token = null) => Send(HttpMethod.Post, path, body, token);
    public Task<ApiResponse> Put(string path, object? body, string? token = null) => Send(HttpMethod.Put, path, body, token);
    public Task<ApiResponse> Patch(string path, object? body, string? token = null) => Send(HttpMethod.Patch, path, body, token);
    public Task<ApiResponse> Delete(string path, string? token = null) => Send(HttpMethod.Delete, path, null, token);

    public Task<ApiResponse> Send(HttpMethod method, string path, object? body, string? token) =>
        Send(method, path, body is null ? null : JsonContent.Create(body, options: JsonSerializerOptions.Web), token);

    public Task<ApiResponse> SendRaw(HttpMethod method, string path, string body, string? token, string contentType = "application/json") =>
        Send(method, path, new StringContent(body, Encoding.UTF8, MediaTypeHeaderValue.Parse(contentType)), token);

    public async Task<ApiResponse> Send(HttpMethod method, string path, HttpContent? content, string? token,
        Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method, Url(path)) { Content = content };
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        configure?.Invoke(request);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var contentType = response.Content.Headers.ContentType?.MediaType;
        JsonNode? json = null;
        if (contentType is "application/json" or "application/problem+json" && body.Length > 0)
            json = JsonNode.Parse(body);
        return new ApiResponse(response.StatusCode, body, json, response.Headers, contentType);
    }

    private static string Url(string path) =>
        path.StartsWith("/api", StringComparison.Ordinal) || path.StartsWith("/health", StringComparison.Ordinal) ||
        path.StartsWith("/swagger", StringComparison.Ordinal) || path.StartsWith("/hangfire", StringComparison.Ordinal) ||
        path.StartsWith("/app/", StringComparison.Ordinal)
            ? path
            : "/api/v1" + path;
}
