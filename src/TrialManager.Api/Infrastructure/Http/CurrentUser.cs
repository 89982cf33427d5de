using System.Security.Claims;

namespace TrialManager.Api.Infrastructure.Http;

/// <summary>The authenticated caller of this request, as the bearer token handler established it.</summary>
public sealed class CurrentUser(IHttpContextAccessor http)
{
    public const string TokenIdClaim = "token_id";
    public const string SystemAdminRole = "system-admin";

    private ClaimsPrincipal Principal => http.HttpContext?.User ?? new ClaimsPrincipal();

    public Guid Id => Guid.TryParse(Principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id)
        ? id
        : throw new InvalidOperationException("No authenticated user in this request.");

    public Guid? TokenId => Guid.TryParse(Principal.FindFirstValue(TokenIdClaim), out var id) ? id : null;

    public bool IsSystemAdmin => Principal.IsInRole(SystemAdminRole);
}
