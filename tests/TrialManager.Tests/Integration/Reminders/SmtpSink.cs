using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;
using TrialManager.Api.Features.Reminders;

namespace TrialManager.Tests.Integration.Reminders;

/// <summary>
/// A real SMTP server in the test process, on a free loopback port, that keeps what it receives. While `Refusing`,
/// it answers every message with a permanent failure, as a mail server that is full or misconfigured would.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly SmtpServer.SmtpServer _server;
    private readonly Task _running;
    private readonly Store _store = new();

    public SmtpSink()
    {
        Port = FreePort();
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(_store);
        _server = new SmtpServer.SmtpServer(options, services);
        _running = _server.StartAsync(_stop.Token);
    }

    public int Port { get; }

    public bool Refusing
    {
        get => _store.Refusing;
        set => _store.Refusing = value;
    }

    /// <summary>While set, only messages to this address are refused.</summary>
    public string? RefusedRecipient
    {
        get => _store.RefusedRecipient;
        set => _store.RefusedRecipient = value;
    }

    public IReadOnlyList<MimeMessage> Messages => _store.Messages.ToList();

    public void Reset()
    {
        _store.Messages.Clear();
        (Refusing, RefusedRecipient) = (false, null);
    }

    /// <summary>The settings that point the service at this server.</summary>
    public SmtpOptions Options() => new() { Host = "127.0.0.1", Port = Port, UseTls = false, From = "trials@example.org" };

    public async ValueTask DisposeAsync()
    {
        _server.Shutdown();
        await _stop.CancelAsync();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class Store : MessageStore
    {
        public ConcurrentQueue<MimeMessage> Messages { get; } = new();

        public volatile bool Refusing;

        public volatile string? RefusedRecipient;

        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction,
            ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            if (Refusing || transaction.To.Any(to => $"{to.User}@{to.Host}".Equals(RefusedRecipient, StringComparison.OrdinalIgnoreCase)))
                return new SmtpResponse(SmtpReplyCode.TransactionFailed, "refused by the test");
            using var stream = new MemoryStream(buffer.ToArray());
            Messages.Enqueue(await MimeMessage.LoadAsync(stream, cancellationToken));
            return SmtpResponse.Ok;
        }
    }
}
