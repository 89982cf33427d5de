using Microsoft.AspNetCore.Mvc;

namespace TrialManager.Api.Infrastructure.Http;

public static class EndpointDocs
{
    /// <summary>Documents the problem-details answers an endpoint can give besides the ones every route shares.</summary>
    public static RouteHandlerBuilder ProducesErrors(this RouteHandlerBuilder endpoint, params int[] statuses)
    {
        foreach (var status in statuses)
            endpoint.Produces<ProblemDetails>(status, "application/problem+json");
        return endpoint;
    }

    /// <summary>Trial routes answer 404 to non-members and 403 to members whose role does not allow the request.</summary>
    public static RouteHandlerBuilder TrialRead(this RouteHandlerBuilder endpoint) => endpoint.ProducesErrors(403, 404);

    /// <summary>Trial writes add the body's problems (400, 413, 415, 422) and 409 for duplicates or a locked trial.</summary>
    public static RouteHandlerBuilder TrialWrite(this RouteHandlerBuilder endpoint) =>
        endpoint.ProducesErrors(400, 403, 404, 409, 413, 415, 422);
}
