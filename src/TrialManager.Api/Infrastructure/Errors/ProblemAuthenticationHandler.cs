using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace TrialManager.Api.Infrastructure.Errors;

/// <summary>
/// An authentication scheme whose refusals are problem details like every other error: a 401 says what the scheme
/// needs (<see cref="ChallengeDetail"/>), a 403 that the role does not allow it.
/// </summary>
internal abstract class ProblemAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected abstract string ChallengeDetail { get; }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        return WriteProblem(StatusCodes.Status401Unauthorized, ChallengeDetail);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return WriteProblem(StatusCodes.Status403Forbidden, "Your role does not allow this.");
    }

    private async Task WriteProblem(int status, string detail) =>
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails { Status = status, Title = ProblemExceptionHandler.TitleFor(status), Detail = detail },
        });
}
