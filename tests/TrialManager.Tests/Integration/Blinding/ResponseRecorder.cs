using System.Collections.Concurrent;

namespace TrialManager.Tests.Integration.Blinding;

/// <summary>Keeps every answer sent through it with the bearer token that asked, so that what each caller received
/// while the world was being set up (their own writes' answers) is searched too.</summary>
public sealed class ResponseRecorder : DelegatingHandler
{
    public sealed record Received(string? Token, string Request, int Status, string? ContentType, byte[] Body);

    private readonly ConcurrentQueue<Received> _received = new();

    public IEnumerable<Received> By(string token) => _received.Where(r => r.Token == token);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        _received.Enqueue(new Received(request.Headers.Authorization?.Parameter, $"{request.Method} {request.RequestUri?.PathAndQuery}",
            (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsByteArrayAsync(cancellationToken)));
        return response;
    }
}
