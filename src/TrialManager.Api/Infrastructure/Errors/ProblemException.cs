namespace TrialManager.Api.Infrastructure.Errors;

/// <summary>One broken rule: the field it concerns (a JSON path in camelCase), the rule's name and a message.</summary>
public sealed record Violation(string Field, string Rule, string Message);

/// <summary>
/// A failure the caller can act on. Handlers throw it; <see cref="ProblemExceptionHandler"/> turns it into
/// RFC 9457 problem details, and the unit of work rolls the transaction back, so nothing is written.
/// </summary>
public sealed class ProblemException(int status, string title, string detail, IReadOnlyList<Violation>? violations = null)
    : Exception(detail)
{
    public int Status { get; } = status;
    public string Title { get; } = title;
    public IReadOnlyList<Violation> Violations { get; } = violations ?? [];

    /// <summary>When the caller may try again (sent as Retry-After): a request that is refused for now, not for good.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static ProblemException Busy(string detail, TimeSpan retryAfter) =>
        new(StatusCodes.Status409Conflict, "Conflict", detail) { RetryAfter = retryAfter };

    public static ProblemException NotFound(string what) =>
        new(StatusCodes.Status404NotFound, "Not found", $"The {what} does not exist or is not visible to you.");

    public static ProblemException Forbidden(string detail) =>
        new(StatusCodes.Status403Forbidden, "Forbidden", detail);

    public static ProblemException Conflict(string detail) =>
        new(StatusCodes.Status409Conflict, "Conflict", detail);

    public static ProblemException Invalid(string field, string rule, string message) =>
        Invalid([new Violation(field, rule, message)]);

    public static ProblemException Invalid(IReadOnlyList<Violation> violations) =>
        new(StatusCodes.Status422UnprocessableEntity, "Validation failed",
            "The request breaks one or more rules; see errors and violations.", violations);
}
