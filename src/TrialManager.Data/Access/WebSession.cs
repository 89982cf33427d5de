namespace TrialManager.Data.Access;

/// <summary>
/// A person's sign-in to the web client, exchanged for one of their API tokens. Only the SHA-256 of the cookie's
/// secret and of the anti-forgery token are kept. It lasts while its token does, up to its own idle and absolute limits.
/// </summary>
public sealed class WebSession : IEntity
{
    public Guid Id { get; init; }
    public Guid UserId { get; init; }
    public User? User { get; init; }
    public Guid TokenId { get; init; }
    public ApiToken? Token { get; init; }
    public required byte[] SecretHash { get; init; }
    public required byte[] AntiForgeryHash { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset LastSeenAt { get; set; }
    public DateTimeOffset ExpiresAt { get; init; }
    public DateTimeOffset? RevokedAt { get; set; }
}
