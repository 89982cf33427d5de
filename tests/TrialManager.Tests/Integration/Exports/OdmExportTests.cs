using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using TrialManager.Tests.Unit.Exports;

namespace TrialManager.Tests.Integration.Exports;

/// <summary>ODM extracts through the real export job: valid against the official ODM 1.3.2 schema, blinded or not.</summary>
public sealed class OdmExportTests : IntegrationTest
{
    private static readonly XNamespace Odm = "http://www.cdisc.org/ns/odm/v1.3";

    [Test]
    public async Task A_blinded_odm_extract_validates_and_carries_the_masked_arms_and_the_data()
    {
        var x = await ExportWorld.CreateAsync(Api, await NewTrialAsync());
        var status = await ExportWorld.ExportAsync(Api, x.World, x.World.Statistician, new { format = "odm", blinded = false });
        Assert.That(status["status"]!.GetValue<string>(), Is.EqualTo("succeeded"), status.ToJsonString());
        var (code, bytes, contentType, _) = await ExportWorld.FileAsync(Api, status["id"]!.GetValue<Guid>(), x.World.Statistician);
        Assert.That(code, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(contentType?.MediaType, Is.EqualTo("application/xml"));
        Assert.That(Convert.ToHexStringLower(SHA256.HashData(bytes)), Is.EqualTo(status["sha256"]!.GetValue<string>()));

        OdmSchema.Validate(new MemoryStream(bytes));
        var text = Encoding.UTF8.GetString(bytes);
        var odm = XDocument.Parse(text);
        var subjects = odm.Descendants(Odm + "SubjectData").Select(s => s.Attribute("SubjectKey")!.Value).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(odm.Root!.Attribute("ODMVersion")!.Value, Is.EqualTo("1.3.2"));
            Assert.That(subjects, Is.EquivalentTo(new[] { x.ParticipantA, x.ParticipantB }));
            Assert.That(odm.Descendants(Odm + "FormDef").Select(f => f.Attribute("OID")!.Value), Does.Contain("F.MOOD.V1"));
            Assert.That(text, Does.Not.Contain(x.ArmA).And.Not.Contain(x.ArmB), "a blinded extract names no arm");
            Assert.That(odm.Descendants(Odm + "ItemData").Select(i => i.Attribute("Value")!.Value),
                Does.Contain(x.Masks[x.ArmA]).And.Contain(x.Masks[x.ArmB]));
        });
    }

    [Test]
    public async Task An_unblinded_odm_extract_validates_and_carries_the_real_arms()
    {
        var x = await ExportWorld.CreateAsync(Api, await NewTrialAsync());
        var status = await ExportWorld.ExportAsync(Api, x.World, x.World.UnblindedStatistician, new { format = "odm", blinded = false });
        var (_, bytes, _, _) = await ExportWorld.FileAsync(Api, status["id"]!.GetValue<Guid>(), x.World.UnblindedStatistician);
        OdmSchema.Validate(new MemoryStream(bytes));
        Assert.That(Encoding.UTF8.GetString(bytes), Does.Contain(x.ArmA).And.Contain(x.ArmB));
    }
}
