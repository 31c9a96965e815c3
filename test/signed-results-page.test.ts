import { describe, expect, it } from "vitest";
import { signedResultsPage } from "../packages/aws/src/console/signed-results-page.ts";

const presign = (key: string) => new URL(`https://results.s3.example/${key}?X-Amz-Signature=ab&X-Amz-Date=1`);

describe("a stage's comparison page with its own files presigned", () => {
  const page = [
    '<a class="download" href="s1.json" download>JSON</a> <a href="s1.csv">CSV</a>',
    '<img id="mask-image" src="s1-files/mask.png">',
    '<a href="other-files/x.png">not this page\'s</a>',
    '<script type="application/json" id="results-data">{"mask":{"image":"s1-files/mask.png"},"results":[{"image":"s1-files/match-1.png","name":"s1-files/mask.png is a name"}]}</script>',
    '<script>var a="s1-files/"+"x";</script>',
  ].join("\n");
  const signed = signedResultsPage(page, "results/s1.html", presign);

  it("signs the markup's references with the URL HTML-escaped", () => {
    expect(signed).toContain('href="https://results.s3.example/results/s1.json?X-Amz-Signature=ab&amp;X-Amz-Date=1"');
    expect(signed).toContain('href="https://results.s3.example/results/s1.csv?X-Amz-Signature=ab&amp;X-Amz-Date=1"');
    expect(signed).toContain('src="https://results.s3.example/results/s1-files/mask.png?X-Amz-Signature=ab&amp;X-Amz-Date=1"');
  });

  it("signs the data's references as plain JSON strings, and only whole references", () => {
    const data = JSON.parse(/id="results-data">(.*?)<\/script>/s.exec(signed)![1]);
    expect(data.mask.image).toBe("https://results.s3.example/results/s1-files/mask.png?X-Amz-Signature=ab&X-Amz-Date=1");
    expect(data.results[0].image).toBe("https://results.s3.example/results/s1-files/match-1.png?X-Amz-Signature=ab&X-Amz-Date=1");
    expect(data.results[0].name).toBe("s1-files/mask.png is a name");
  });

  it("leaves other pages' files and script text alone", () => {
    expect(signed).toContain('href="other-files/x.png"');
    expect(signed).toContain('var a="s1-files/"+"x";');
  });
});
