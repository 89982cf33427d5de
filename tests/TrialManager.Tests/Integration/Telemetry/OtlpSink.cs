using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TrialManager.Tests.Integration.Telemetry;

/// <summary>
/// A collector that accepts OTLP over HTTP (protobuf) and keeps the bodies, for the bytes a real collector would get.
/// Strings travel in protobuf as plain UTF-8, so a forbidden word in any attribute is a substring of a body.
/// </summary>
public sealed class OtlpSink : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<(string Signal, byte[] Body)> _bodies = [];

    private OtlpSink(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    public static async Task<OtlpSink> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var sink = new OtlpSink(builder.Build());
        sink._app.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            lock (sink._bodies)
                sink._bodies.Add((signal, body.ToArray()));
            // An empty Export*ServiceResponse: everything accepted.
            return Results.Bytes([], "application/x-protobuf");
        });
        await sink._app.StartAsync();
        sink.Endpoint = new Uri(sink._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return sink;
    }

    public IReadOnlyList<byte[]> Bodies(string signal)
    {
        lock (_bodies)
            return _bodies.Where(b => b.Signal == signal).Select(b => b.Body).ToList();
    }

    /// <summary>Whether any body of the signal holds the (ASCII) text, in any case.</summary>
    public bool Contains(string signal, string text) =>
        Bodies(signal).Any(body => Encoding.Latin1.GetString(body).Contains(text, StringComparison.OrdinalIgnoreCase));

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
