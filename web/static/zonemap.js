// The planners' zone map: layers, layer switch, legend, search, scale bar and north arrow,
// built from the page's JSON block (#zone-config, written by web/zonemap.py). Areas, parks,
// space units and low-cost space come from the vector tiles (/tiles/...), drawn by
// Leaflet.VectorGrid. Names from the data go into the page as text nodes, never as HTML; the
// popups of areas and parks are HTML fragments escaped by the server (/map/popup/...).
(function () {
  "use strict";

  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (all, key) {
      return values[key] === undefined || values[key] === null ? "" : String(values[key]);
    });
  }

  function textNode(tag, text, cls) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    node.textContent = text;
    return node;
  }

  function hex(c) {
    return [1, 3, 5].map(function (i) { return parseInt(c.slice(i, i + 2), 16); });
  }

  function ramp(colors, t) {
    t = Math.max(0, Math.min(1, t));
    var seg = t * (colors.length - 1), i = Math.min(Math.floor(seg), colors.length - 2);
    var a = hex(colors[i]), b = hex(colors[i + 1]), f = seg - i;
    return "rgb(" + a.map(function (v, k) { return Math.round(v + (b[k] - v) * f); }).join(",") + ")";
  }

  // VectorGrid's point symbols are CircleMarkers without a LatLng (they live in tile pixels);
  // Leaflet asks small ones for theirs on every mouse event. Answer from the tile and pixel.
  var baseGetLatLng = L.CircleMarker.prototype.getLatLng;
  L.CircleMarker.prototype.getLatLng = function () {
    var at = baseGetLatLng.call(this);
    var r = this._renderer;
    if (at || !this._point || !r || !r._tileCoord || !r._map) return at;
    var c = r._tileCoord;
    return r._map.unproject(L.point(c.x, c.y).scaleBy(r._size).add(this._point), c.z);
  };

  // VectorGrid's canvas tiles stop a click with L.DomEvent.fakeStop, which Leaflet 1.8 removed.
  if (!L.DomEvent.fakeStop) L.DomEvent.fakeStop = L.DomEvent.stopPropagation;

  function init() {
    var node = document.getElementById("zone-config");
    if (!node) return;
    var cfg = JSON.parse(node.textContent);
    var map = window[cfg.map];
    if (!(map instanceof L.Map)) return;
    var T = cfg.text, colors = cfg.colors;
    var locale = cfg.lang === "zh" ? "zh-CN" : "en";
    var num = function (v) { return Math.round(v).toLocaleString(locale); };
    var state = {map: map, layers: {}, grids: {}, loaded: {}, loadedAt: {}, tileAt: {},
                 drawn: {}, popup: null};
    window.spacemapZone = state;  // for the browser tests and the benchmark

    // Where the first tiles are asked for: the district, before any layer is added.
    map.fitBounds(cfg.bounds, {padding: [8, 8], animate: false});
    [["sm-areas", 250], ["sm-units", 420], ["sm-parks", 430], ["sm-stations", 440]].forEach(
      function (pane) { map.createPane(pane[0]).style.zIndex = pane[1]; });

    // ---------------------------------------------------------------- popups
    function fetchPopup(latlng, url, what) {
      var popup = L.popup({maxWidth: 380}).setLatLng(latlng)
        .setContent(textNode("span", "…")).openOn(map);
      state.popup = null;
      fetch(url, {credentials: "same-origin"}).then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.text();
      }).then(function (html) {
        popup.setContent(html);  // escaped by the server (web/popups.py)
        state.popup = what;
      }).catch(function () { popup.setContent(textNode("span", T.popupFailed)); });
      return popup;
    }
    function serverPopup(latlng, kind, code) {
      var url = cfg.popup.replace("{kind}", kind).replace("{code}", encodeURIComponent(code));
      return fetchPopup(latlng, url, {kind: kind, code: code});
    }
    state.openPopup = serverPopup;
    // Where a grid's point symbols are on screen (the browser tests point at them).
    state.symbols = function (key) {
      var out = [], grid = state.grids[key];
      Object.keys(grid._vectorTiles || {}).forEach(function (k) {
        var tile = grid._vectorTiles[k];
        Object.keys(tile._features || {}).forEach(function (id) {
          var symbol = tile._features[id].feature;
          if (!symbol._point) return;
          var p = map.latLngToContainerPoint(symbol.getLatLng());
          out.push({x: p.x, y: p.y, properties: symbol.properties});
        });
      });
      return out;
    };

    var hover = L.tooltip({direction: "top", offset: [0, -6]});
    function showTip(latlng, text) {
      hover.setLatLng(latlng).setContent(textNode("span", text));
      map.openTooltip(hover);
    }
    function hideTip() { map.closeTooltip(hover); }

    // ---------------------------------------------------------------- vector tile layers
    var seq = 0;
    function grid(key, pane, style) {
      var styles = {};
      state.drawn[key] = 0;
      styles[key] = function (p, z) {  // called once for each feature drawn
        state.drawn[key] += 1;
        return style(p, z);
      };
      // Big tiles, zooms up (cfg.tilePixels wide, cfg.zoomOffset): a screen needs a handful of
      // requests. VectorGrid ignores zoomOffset when it writes the URL: the zoom is lowered here.
      var layer = L.vectorGrid.protobuf(cfg.tiles[key], {
        vectorTileLayerStyles: styles, interactive: true, pane: pane,
        rendererFactory: L.canvas.tile,  // thousands of symbols: canvas, not SVG elements
        getFeatureId: function (f) { return f.properties.cell || f.properties.code || ++seq; },
        tileSize: cfg.tilePixels, maxNativeZoom: cfg.maxZoom, maxZoom: cfg.maxZoom
      });
      var fetchTile = layer._getVectorTilePromise;
      layer._getVectorTilePromise = function (coords) {
        var up = L.extend({}, coords, {z: coords.z - cfg.zoomOffset});
        var args = Array.prototype.slice.call(arguments, 1);
        return fetchTile.apply(this, [up].concat(args));
      };
      layer.on("load", function () {
        state.loaded[key] = true;
        state.loadedAt[key] = state.loadedAt[key] || performance.now();
      });
      layer.on("tileload", function () {
        state.tileAt[key] = (state.tileAt[key] || []).concat([Math.round(performance.now())]);
      });
      state.grids[key] = layer;
      return layer;
    }

    var shade = cfg.shading;
    var areas = grid("areas", "sm-areas", function (p) {
      var has = p.capacity_m2 > 0 && p[shade.measure] !== undefined;
      var t = has ? (p[shade.measure] - shade.min) / (shade.max - shade.min) : 0;
      return {fill: true, fillColor: has ? ramp(shade.colors, t) : shade.noData,
              fillOpacity: 0.55, color: "#555", weight: has ? 1 : 1.5,
              dashArray: has ? null : "4 3"};
    });
    areas.on("click", function (e) {
      L.DomEvent.stop(e);
      serverPopup(e.latlng, "area", e.layer.properties.code);
    });

    var parks = grid("parks", "sm-parks", function (p) {
      // A cell with several parks: bigger, in the colour of the most common type among them.
      return {radius: p.n > 1 ? Math.min(7 + 2 * Math.log2(p.n), 14) : 6, fill: true,
              fillColor: colors.parks[p.park_type] || colors.several, fillOpacity: 0.9,
              color: p.n > 1 ? "#222" : "#fff", weight: p.n > 1 ? 1.5 : 2};
    });
    parks.on("mouseover", function (e) {
      var p = e.layer.properties;
      showTip(e.latlng, p.n > 1 ? fill(T.parksTip, {n: p.n})
        : (cfg.lang === "zh" ? p.name_zh : p.name_en));
    });
    parks.on("mouseout", hideTip);
    parks.on("click", function (e) {
      L.DomEvent.stop(e);
      var p = e.layer.properties;
      if (p.n > 1) {
        map.setView(e.latlng, Math.min(map.getZoom() + 2, cfg.maxZoom));
      } else {
        serverPopup(e.latlng, "park", p.code);
      }
    });

    function unitTip(p, template) {
      var tip = fill(template, {n: num(p.n), free: num(p.free_m2)});
      return p.synthetic ? tip + " (" + T.synthetic + ")" : tip;
    }
    function unitPopup(e, layer) {
      var cell = e.layer.properties.cell.split("/");
      var url = cfg.cell.replace("{layer}", layer).replace("{z}", cell[0])
        .replace("{x}", cell[1]).replace("{y}", cell[2]);
      fetchPopup(e.latlng, url, {kind: "cell", code: e.layer.properties.cell});
    }
    function pointRadius(n) { return Math.min(4 + 2 * Math.log2(n), 14); }
    var units = grid("units", "sm-units", function (p) {
      return {radius: pointRadius(p.n), fill: true, fillColor: colors.units, fillOpacity: 0.7,
              color: "#fff", weight: 1};
    });
    var lowCost = grid("low-cost", "sm-units", function (p) {
      return {radius: pointRadius(p.n) + 2, fill: false, color: colors.lowCost, weight: 3};
    });
    [[units, T.unitsTip, "units"], [lowCost, T.lowCostTip, "low-cost"]].forEach(function (l) {
      l[0].on("mouseover", function (e) { showTip(e.latlng, unitTip(e.layer.properties, l[1])); });
      l[0].on("mouseout", hideTip);
      l[0].on("click", function (e) { L.DomEvent.stop(e); unitPopup(e, l[2]); });
    });

    // ---------------------------------------------------------------- data in the page
    var district = L.geoJSON(cfg.district, {
      style: {color: "#222", weight: 3, fill: false}, interactive: false
    });
    var zones = L.layerGroup();
    cfg.zones.forEach(function (z) {
      var shape = L.geoJSON(z.geometry, {
        style: {color: z.color, weight: 2, fillOpacity: 0.04, dashArray: "6 4"}
      });
      shape.bindTooltip(textNode("span", z.name), {sticky: true});
      shape.bindPopup(function () {
        var box = document.createElement("div");
        box.appendChild(textNode("b", z.name));
        box.appendChild(textNode("div", z.description));
        box.appendChild(textNode("small", z.note));
        return box;
      }, {maxWidth: 320});
      zones.addLayer(shape);
    });
    var labels = L.layerGroup();
    cfg.zones.forEach(function (z) {
      var name = textNode("span", z.name);
      name.style.color = z.color;
      labels.addLayer(L.marker(z.at, {
        interactive: false, keyboard: false,
        icon: L.divIcon({className: "zone-label", iconSize: null, html: name})
      }));
    });
    cfg.areaLabels.forEach(function (a) {
      labels.addLayer(L.marker(a.at, {
        interactive: false, keyboard: false,
        icon: L.divIcon({className: "area-label", iconSize: null, html: textNode("span", a.name)})
      }));
    });
    var stations = L.layerGroup(), crossings = L.layerGroup();
    cfg.stations.forEach(function (s) {
      var label = s.name + (s.lines ? " (" + fill(T.lines, {lines: s.lines}) + ")" : "");
      stations.addLayer(L.circleMarker(s.at, {
        radius: 4, color: "#fff", weight: 1.5, fillColor: colors.station, fillOpacity: 1,
        pane: "sm-stations"
      }).bindTooltip(textNode("span", s.name), {
        permanent: true, direction: "right", offset: [5, 0], className: "station-label"
      }).bindPopup(textNode("span", label)));
      if (s.crossing) {
        crossings.addLayer(L.marker(s.at, {
          icon: L.divIcon({className: "crossing-mark", iconSize: [16, 16], iconAnchor: [8, 8],
                           html: document.createElement("span")}),
          title: s.name + " — " + T.crossing, pane: "sm-stations"
        }).bindTooltip(textNode("span", s.name + " · " + T.crossing), {
          permanent: true, direction: "left", offset: [-8, 0], className: "crossing-label"
        }));
      }
    });

    var overlays = [
      ["district", district], ["zones", zones], ["areas", areas], ["areaLabels", labels],
      ["parks", parks], ["lowCost", lowCost], ["units", units], ["stations", stations],
      ["crossings", crossings]
    ];
    var control = {};
    overlays.forEach(function (o) {
      state.layers[o[0]] = o[1];
      control[T[o[0]]] = o[1];
      if (cfg.on.indexOf(o[0]) >= 0) o[1].addTo(map);
    });
    var narrow = window.matchMedia("(max-width: 700px)").matches;
    L.control.layers(null, control, {collapsed: true, position: "topright"}).addTo(map);

    // ---------------------------------------------------------------- controls
    var North = L.Control.extend({
      onAdd: function () {
        var box = L.DomUtil.create("div", "north-arrow");
        box.setAttribute("role", "img");
        box.setAttribute("aria-label", T.north);
        box.appendChild(textNode("span", "▲", "arrow"));
        box.appendChild(textNode("span", "N", "letter"));
        return box;
      }
    });
    new North({position: "topright"}).addTo(map);
    L.control.scale({metric: true, imperial: false, maxWidth: 160, position: "bottomleft"}).addTo(map);

    var legend = document.getElementById("zone-legend");
    if (legend) {
      var Legend = L.Control.extend({
        onAdd: function () {
          L.DomEvent.disableClickPropagation(legend);
          L.DomEvent.disableScrollPropagation(legend);
          return legend;
        }
      });
      new Legend({position: "bottomright"}).addTo(map);
      if (narrow && !cfg.print) legend.open = false;
    }
    window.addEventListener("beforeprint", function () {
      if (legend) legend.open = true;
      map.invalidateSize();
    });

    var Search = L.Control.extend({
      onAdd: function () {
        var box = L.DomUtil.create("div", "zone-search leaflet-bar");
        var input = L.DomUtil.create("input", "", box);
        input.type = "search";
        input.placeholder = T.search;
        input.setAttribute("aria-label", T.search);
        var list = L.DomUtil.create("ul", "zone-search-results", box);
        list.setAttribute("role", "listbox");
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        var hits = [], asked = 0, timer = null;
        function choose(p) {
          // Empty the list after this click has finished: a click whose button is gone from the
          // page would reach the map, and a click on the map closes popups.
          window.setTimeout(function () { list.textContent = ""; }, 0);
          input.value = p.name;
          map.setView(p.at, Math.max(map.getZoom(), 16));
          serverPopup(p.at, "park", p.code);
        }
        function show(found) {
          list.textContent = "";
          hits = found;
          if (!hits.length) {
            list.appendChild(textNode("li", T.noMatch, "none"));
            return;
          }
          hits.forEach(function (p) {
            var item = document.createElement("li");
            var button = textNode("button", p.name);
            button.type = "button";
            button.dataset.code = p.code;
            button.appendChild(textNode("small", [p.type, p.code].join(" · ")));
            button.addEventListener("click", function () { choose(p); });
            item.appendChild(button);
            list.appendChild(item);
          });
        }
        function ask() {
          var q = input.value.trim(), mine = ++asked;
          if (!q) { list.textContent = ""; hits = []; return Promise.resolve(); }
          return fetch(cfg.search + encodeURIComponent(q), {credentials: "same-origin"})
            .then(function (r) { return r.ok ? r.json() : []; })
            .then(function (found) { if (mine === asked) show(found); });
        }
        function update() {
          window.clearTimeout(timer);
          timer = window.setTimeout(ask, 120);
        }
        input.addEventListener("input", update);
        input.addEventListener("keydown", function (ev) {
          if (ev.key !== "Enter") return;
          ev.preventDefault();
          window.clearTimeout(timer);
          ask().then(function () { if (hits.length) choose(hits[0]); });
        });
        return box;
      }
    });
    new Search({position: "topleft"}).addTo(map);

    function nearClass() {
      map.getContainer().classList.toggle("sm-near", map.getZoom() >= 14);
    }
    map.on("zoomend", nearClass);
    nearClass();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    var print = document.getElementById("print-button");
    if (print) print.addEventListener("click", function () { window.print(); });
    // The page names the tile path only (it is the same HTML on every server process); a GIS
    // needs the whole URL, which is this page's own origin.
    var tiles = document.getElementById("tiles-url");
    if (tiles) tiles.textContent = window.location.origin + tiles.textContent;
    init();
  });
})();
