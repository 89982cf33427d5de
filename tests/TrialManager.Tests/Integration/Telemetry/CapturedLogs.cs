using System.Collections;
using Microsoft.Extensions.Logging;

namespace TrialManager.Tests.Integration.Telemetry;

/// <summary>One log record as a sink would see it: message, every state value, every scope around it, the exception.</summary>
public sealed record CapturedLog(string Category, LogLevel Level, string Message, IReadOnlyList<KeyValuePair<string, string?>> State,
    IReadOnlyList<KeyValuePair<string, string?>> Scopes, string? Exception)
{
    public string? Scope(string key) => Scopes.LastOrDefault(s => s.Key == key).Value;

    /// <summary>Everything the record carries, as text to search.</summary>
    public string Text => string.Join("\n", new[] { Category, Message, Exception ?? "" }
        .Concat(State.Concat(Scopes).Select(p => $"{p.Key}={p.Value}")));
}

/// <summary>A logger provider that keeps every record it is given, with the scopes around it.</summary>
public sealed class CapturedLogs : ILoggerProvider, ISupportExternalScope
{
    private readonly List<CapturedLog> _records = [];
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyList<CapturedLog> Records
    {
        get { lock (_records) return _records.ToList(); }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private static IEnumerable<KeyValuePair<string, string?>> Pairs(object? state) => state switch
    {
        IEnumerable<KeyValuePair<string, object?>> pairs => pairs.Select(p => new KeyValuePair<string, string?>(p.Key, Describe(p.Value))),
        _ => [],
    };

    private static string? Describe(object? value) => value switch
    {
        null => null,
        string text => text,
        IEnumerable items => string.Join(",", items.Cast<object?>().Select(i => i?.ToString())),
        _ => value.ToString(),
    };

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = new List<KeyValuePair<string, string?>>();
            owner._scopes.ForEachScope((scope, list) =>
            {
                list.Add(new("(scope)", scope?.ToString()));
                list.AddRange(Pairs(scope));
            }, scopes);
            var record = new CapturedLog(category, logLevel, formatter(state, exception), Pairs(state).ToList(), scopes, exception?.ToString());
            lock (owner._records)
                owner._records.Add(record);
        }
    }
}
