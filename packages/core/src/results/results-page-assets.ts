// The results page's style sheet and script, inlined into each page so it works offline from
// a folder or a bucket. Kept apart from the HTML builder so each reads as what it is.

/**
 * Dark background because CDMs are bright colours on black. The mask panel sticks beside the
 * matches and its picture is exactly as wide as each match's (`--card-w`), so they compare at the
 * same size. Overlays use `mix-blend-mode: screen`: their black leaves the match as it is.
 */
export const PAGE_CSS = [
  ":root{--card-w:290px}",
  "*{box-sizing:border-box}",
  "body{margin:0;font:13px/1.35 system-ui,sans-serif;background:#111;color:#ddd}",
  "a{color:#8cf}",
  "header{position:sticky;top:0;z-index:2;background:#111;padding:8px 16px 6px;border-bottom:1px solid #333}",
  "h1{margin:0 0 2px;font-size:17px;word-break:break-all}",
  ".summary{margin:0 0 6px;color:#aaa}",
  ".toolbar{display:flex;flex-wrap:wrap;gap:4px 14px;align-items:center}",
  ".toolbar select,.toolbar input{background:#222;color:#ddd;border:1px solid #444;border-radius:3px}",
  ".partial-banner{margin:6px 0;padding:6px 10px;background:#5a3b00;color:#ffd98a;border:1px solid #a66f00;border-radius:4px}",
  ".layout{display:flex;gap:16px;padding:12px 16px;align-items:flex-start}",
  ".mask-panel{position:sticky;top:96px;flex:0 0 var(--card-w)}",
  "figure{margin:0}",
  ".frame{position:relative;width:var(--card-w);aspect-ratio:var(--aspect);background:#000;overflow:hidden;cursor:crosshair}",
  ".frame img{position:absolute;inset:0;width:100%;height:100%;display:block}",
  ".frame img.overlay{mix-blend-mode:screen;pointer-events:none;opacity:.85}",
  ".frame img[hidden]{display:none}",
  ".frame.flipped .flip-box{transform:scaleX(-1)}",
  ".flip-box{position:absolute;inset:0}",
  ".cross-h,.cross-v{position:absolute;display:none;pointer-events:none;background:#0f0;opacity:.8;z-index:1}",
  ".cross-h{left:0;right:0;height:1px}",
  ".cross-v{top:0;bottom:0;width:1px}",
  ".frame.cross .cross-h,.frame.cross .cross-v{display:block}",
  "figcaption{margin-top:3px;word-break:break-all}",
  "main{flex:1;min-width:0}",
  ".count{margin:0 0 6px;color:#aaa}",
  ".matches{list-style:none;margin:0;padding:0;display:grid;grid-template-columns:repeat(auto-fill,var(--card-w));gap:10px 12px}",
  ".rank{font-weight:bold;margin-right:4px}",
  ".scores{color:#aaa}",
  ".badge{margin-left:4px;padding:0 3px;border:1px solid #888;border-radius:3px;font-size:11px}",
  ".card button{margin-left:4px;background:#222;color:#ddd;border:1px solid #555;border-radius:3px;font-size:11px;cursor:pointer}",
  ".no-picture{position:absolute;inset:0;display:flex;align-items:center;justify-content:center;color:#777;border:1px dashed #444}",
  ".parameters{margin-top:10px;color:#aaa}",
  ".parameters th,.parameters td{padding:1px 8px 1px 0;text-align:left;font-weight:normal}",
  ".pager{margin:12px 0}",
  ".pager button{background:#222;color:#ddd;border:1px solid #555;border-radius:3px}",
  ".none{font-size:15px}",
].join("");

/**
 * Renders the cards from the JSON data island: filter, best N per line, sort, page; each card's
 * Flip button and the overlay switch; a crosshair on the mask and on the match under the pointer
 * at the same place in the image (a flipped match is mirrored, so the place lines up with the
 * mask). Names are set with textContent, never as HTML.
 */
export const PAGE_SCRIPT = String.raw`(function(){
"use strict";
var data=JSON.parse(document.getElementById("results-data").textContent);
var $=function(id){return document.getElementById(id);};
var state={page:0};
var flips={};
function fill(id,values){var s=$(id);values.forEach(function(v){var o=document.createElement("option");o.value=v;o.textContent=v;s.appendChild(o);});}
function distinct(key){var seen={},out=[];data.results.forEach(function(r){var v=r[key];if(v!==null&&v!==undefined&&!seen[v]){seen[v]=1;out.push(v);}});return out.sort();}
fill("filter-library",distinct("library"));fill("filter-sex",distinct("gender"));fill("filter-area",distinct("anatomicalArea"));
function selected(){
  var lib=$("filter-library").value,sex=$("filter-sex").value,area=$("filter-area").value,name=$("filter-name").value.trim().toLowerCase();
  var list=data.results.filter(function(r){
    return (!lib||r.library===lib)&&(!sex||r.gender===sex)&&(!area||r.anatomicalArea===area)&&
      (!name||r.name.toLowerCase().indexOf(name)>=0||(r.publishedName||"").toLowerCase().indexOf(name)>=0);
  });
  var perLine=Number($("per-line").value);
  if(perLine>0){var per={};list=list.filter(function(r){var k=r.publishedName||r.name;per[k]=(per[k]||0)+1;return per[k]<=perLine;});}
  var sort=$("sort").value;
  list=list.slice().sort(function(a,b){
    if(sort==="shape")return a.rank-b.rank;
    if(sort==="ratio")return b.matchingRatio-a.matchingRatio||a.rank-b.rank;
    if(sort==="name")return a.name<b.name?-1:a.name>b.name?1:a.rank-b.rank;
    return b.matchingPixels-a.matchingPixels||a.rank-b.rank;
  });
  return list;
}
function isFlipped(r){return r.rank in flips?flips[r.rank]:(r.mirrored&&$("flip-mirrored").checked);}
function el(tag,cls,text){var e=document.createElement(tag);if(cls)e.className=cls;if(text!==undefined)e.textContent=text;return e;}
function card(r){
  var li=el("li","card");li.dataset.rank=r.rank;li.dataset.name=r.name;
  var frame=el("div","frame");frame.dataset.frame="match";
  if(isFlipped(r))frame.classList.add("flipped");
  var box=el("div","flip-box");
  if(r.image){
    var img=el("img","match-image");img.src=r.image;img.loading="lazy";img.alt="rank "+r.rank+": "+r.name;box.appendChild(img);
    var ov=el("img","overlay");ov.src=r.overlay;ov.loading="lazy";ov.alt="";ov.hidden=!$("overlay").checked;box.appendChild(ov);
  }else{box.appendChild(el("div","no-picture","picture for the best "+data.pictured+" only"));}
  frame.appendChild(box);frame.appendChild(el("div","cross-h"));frame.appendChild(el("div","cross-v"));
  li.appendChild(frame);
  var cap=el("div","caption");
  cap.appendChild(el("span","rank","#"+r.rank));cap.appendChild(el("span","name",r.name));
  if(r.publishedName&&r.publishedName!==r.name)cap.appendChild(el("span","published"," ("+r.publishedName+")"));
  cap.appendChild(el("br"));
  cap.appendChild(el("span","scores",r.matchingPixels.toLocaleString("en-US")+" px · "+(100*r.matchingRatio).toFixed(2)+" %"));
  if(data.shape){cap.appendChild(el("br"));cap.appendChild(el("span","shape-scores",r.shapeScore===undefined?"not shape-scored":"shape "+r.shapeScore.toLocaleString("en-US")+" · normalized "+r.normalizedScore.toFixed(2)));}
  if(r.mirrored){var b=el("span","badge","mirrored");b.title="the mirrored mask matched best";cap.appendChild(b);}
  if(r.gender)cap.appendChild(el("span","badge",r.gender));
  if(r.image){var flip=el("button","flip","Flip");flip.type="button";flip.setAttribute("aria-pressed",String(isFlipped(r)));
    flip.onclick=function(){flips[r.rank]=!isFlipped(r);frame.classList.toggle("flipped",flips[r.rank]);flip.setAttribute("aria-pressed",String(flips[r.rank]));};
    cap.appendChild(flip);}
  cap.appendChild(el("br"));
  if(r.source){var a=el("a","source","source image");a.href=r.source;cap.appendChild(a);}
  else cap.appendChild(el("span","source-path",r.sourcePath));
  li.appendChild(cap);
  return li;
}
function render(){
  var list=selected(),size=Number($("page-size").value),pages=Math.max(1,Math.ceil(list.length/size));
  if(state.page>=pages)state.page=pages-1;
  var shown=list.slice(state.page*size,(state.page+1)*size);
  var ol=$("matches");ol.textContent="";shown.forEach(function(r){ol.appendChild(card(r));});
  $("count").textContent=list.length+" of "+data.results.length+" matches"+(list.length?", showing "+(state.page*size+1)+"–"+(state.page*size+shown.length):"");
  $("page-info").textContent="page "+(state.page+1)+" of "+pages;
  $("prev").disabled=state.page===0;$("next").disabled=state.page>=pages-1;
}
["filter-library","filter-sex","filter-area","per-line","sort","page-size"].forEach(function(id){$(id).onchange=function(){state.page=0;render();};});
$("filter-name").oninput=function(){state.page=0;render();};
$("flip-mirrored").onchange=function(){flips={};render();};
$("overlay").onchange=function(){var on=this.checked;document.querySelectorAll("img.overlay").forEach(function(o){o.hidden=!on;});};
$("prev").onclick=function(){state.page--;render();window.scrollTo(0,0);};
$("next").onclick=function(){state.page++;render();window.scrollTo(0,0);};
var maskFrame=document.querySelector('[data-frame="mask"]');
function place(frame,fx,fy){var w=frame.clientWidth,h=frame.clientHeight;frame.classList.add("cross");
  frame.querySelector(".cross-h").style.top=Math.round(fy*h)+"px";frame.querySelector(".cross-v").style.left=Math.round(fx*w)+"px";}
function clear(){document.querySelectorAll(".frame.cross").forEach(function(f){f.classList.remove("cross");});}
document.addEventListener("mousemove",function(e){
  var frame=e.target.closest&&e.target.closest(".frame");clear();if(!frame)return;
  var rect=frame.getBoundingClientRect(),fx=(e.clientX-rect.left)/rect.width,fy=(e.clientY-rect.top)/rect.height;
  place(frame,fx,fy);
  if(frame!==maskFrame)place(maskFrame,fx,fy);
  else document.querySelectorAll('[data-frame="match"]').forEach(function(f){place(f,fx,fy);});
});
render();
})();`;
