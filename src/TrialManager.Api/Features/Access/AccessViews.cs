using TrialManager.Data.Access;

namespace TrialManager.Api.Features.Access;

public sealed record UserView(Guid Id, string UserName, string DisplayName, string Email, string? SystemRole, DateTimeOffset CreatedAt)
{
    public static UserView Of(User user) =>
        new(user.Id, user.UserName, user.DisplayName, user.Email, user.IsSystemAdmin ? SystemRoles.Admin : null, user.CreatedAt);
}

/// <summary>A token as listed: never its secret.</summary>
public sealed record TokenView(Guid Id, Guid UserId, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt)
{
    public static TokenView Of(ApiToken t) => new(t.Id, t.UserId, t.Name, t.Prefix, t.CreatedAt, t.ExpiresAt, t.RevokedAt, t.LastUsedAt);
}

/// <summary>The answer to creating a token: the only time its secret is shown.</summary>
public sealed record NewTokenView(Guid Id, Guid UserId, string Name, string Prefix, string Token, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);

public sealed record MemberView(Guid TrialId, Guid UserId, string UserName, TrialRole Role, IReadOnlyList<Guid> SiteIds, DateTimeOffset GrantedAt,
    Guid GrantedBy)
{
    public static MemberView Of(TrialMembership m, string userName) =>
        new(m.TrialId, m.UserId, userName, m.Role, m.SiteIds, m.GrantedAt, m.GrantedBy);
}

public static class SystemRoles
{
    public const string Admin = "admin";
}
