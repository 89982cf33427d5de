namespace TrialManager.Data.Trials;

/// <summary>The unit of randomisation: a clinical team at one site, with its covariates.</summary>
public sealed class Cluster : IEntity, ITrialOwned
{
    public Guid Id { get; init; }
    public Guid TrialId { get; init; }
    public Guid SiteId { get; set; }
    public Site? Site { get; init; }
    public required string Code { get; set; }
    public Covariates Covariates { get; set; } = Covariates.Empty;
    public DateTimeOffset CreatedAt { get; init; }
}
