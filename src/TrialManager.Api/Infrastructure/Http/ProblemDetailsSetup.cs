using System.Diagnostics;
using TrialManager.Api.Infrastructure.Errors;

namespace TrialManager.Api.Infrastructure.Http;

public static class ProblemDetailsSetup
{
    /// <summary>Every error body is RFC 9457 problem details carrying the request id and the trace id.</summary>
    public static IServiceCollection AddTrialManagerProblemDetails(this IServiceCollection services)
    {
        // Before the framework's writer, which AddProblemDetails registers: the first writer that can write, writes.
        services.AddSingleton<IProblemDetailsWriter, ProblemJsonWriter>();
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            problem.Instance ??= context.HttpContext.Request.Path;
            // One casing for every title: the framework's own ("Not Found", RFC reason phrases) give way to ours.
            if (problem.Status is { } status && (problem.Title is null || problem.Title == "An error occurred while processing your request."
                    || problem.Title == Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status)))
                problem.Title = ProblemExceptionHandler.TitleFor(status);
            problem.Extensions["requestId"] = context.HttpContext.TraceIdentifier;
            problem.Extensions["traceId"] = Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier;
        });
        services.AddExceptionHandler<ProblemExceptionHandler>();
        return services;
    }
}
