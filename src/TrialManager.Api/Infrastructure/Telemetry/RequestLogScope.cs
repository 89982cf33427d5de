using System.Collections;
using System.Diagnostics;

namespace TrialManager.Api.Infrastructure.Telemetry;

/// <summary>
/// Every log line written while a request runs carries its `RequestId` (the X-Request-Id of the answer and of the
/// audit trail, which may be the caller's own: the host's scope only knows the server's) and, under
/// `/trials/{trialId}`, its `TrialId`; the request's span gets the trial id too. Nothing else from the request: its
/// body, query and headers can hold answers and tokens.
/// </summary>
public static class RequestLogScope
{
    public const string TrialTag = "trialmanager.trial.id";

    /// <summary>After UseRequestIds, which settles the request id.</summary>
    public static IApplicationBuilder UseRequestLogScope(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RequestLogScope).FullName!);
        return app.Use(async (context, next) =>
        {
            var trialId = context.GetRouteValue("trialId") as string;
            if (trialId is not null)
                Activity.Current?.SetTag(TrialTag, trialId);
            using (logger.BeginScope(new Scope(context.TraceIdentifier, trialId)))
                await next(context);
        });
    }

    private sealed class Scope(string requestId, string? trialId) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public int Count => trialId is null ? 1 : 2;

        public KeyValuePair<string, object?> this[int index] => index switch
        {
            0 => new("RequestId", requestId),
            1 when trialId is not null => new("TrialId", trialId),
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
                yield return this[i];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => trialId is null ? $"RequestId:{requestId}" : $"RequestId:{requestId} TrialId:{trialId}";
    }
}
