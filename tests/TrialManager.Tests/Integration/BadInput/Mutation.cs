namespace TrialManager.Tests.Integration.BadInput;

/// <summary>
/// One bad thing done to a valid request: its kind ("nul", "date-max", "malformed-truncated", ...), what it targets
/// ("body scales[0].code", "query status", "path trialId", "header Accept") and how it changes the request.
/// </summary>
public sealed record Mutation(string Kind, string Target, Func<Probe, Probe> Apply)
{
    /// <summary>Why the service must refuse it with a 4xx; null when any answer but a 5xx will do.</summary>
    public string? MustRefuse { get; init; }

    /// <summary>The field or parameter that a 400 or 422 must name among its violations.</summary>
    public string? Names { get; init; }

    /// <summary>The answer the permitted caller must get (an unknown id in the path: 404; bad credentials: 401).</summary>
    public int? Expects { get; init; }

    /// <summary>
    /// Refused by the web server (Kestrel) before the service sees it, as a bare 400: a NUL in the path. Nothing is
    /// written and nothing answers but the server, so the answer carries no problem details and no request id.
    /// </summary>
    public bool RefusedByServer { get; init; }

    /// <summary>A request sent just before this one, not itself checked (a first use of an idempotency key).</summary>
    public Func<Probe, Probe>? Prepare { get; init; }

    public static readonly Mutation None = new("valid", "", p => p);
}
